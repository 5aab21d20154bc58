import type { AppJson } from './app-json';

/** One process type's formation as app.json asks for it, in Nimbus's units. */
export interface FormationRequest {
  replicas?: number;
  memoryMb?: number;
}

/** The bounds `ps:scale` enforces, so app.json cannot ask for what scaling would refuse. */
const MAX_REPLICAS = 100;
const MEMORY_MB = { min: 16, max: 262_144 };

/**
 * Heroku's dyno sizes by the memory they give, so an app.json written for Heroku keeps its
 * meaning here (Nimbus sizes instances by memory; CPU keeps the formation's default).
 */
const HEROKU_SIZES: Record<string, number> = {
  free: 512,
  eco: 512,
  hobby: 512,
  basic: 512,
  'standard-1x': 512,
  'standard-2x': 1024,
  'performance-m': 2560,
  'performance-l': 14_336,
  'performance-l-ram': 30_720,
  'performance-xl': 63_488,
  'performance-2xl': 129_024,
  'private-s': 1024,
  'private-m': 2560,
  'private-l': 14_336,
  'shield-s': 1024,
  'shield-m': 2560,
  'shield-l': 14_336,
};

const MEMORY = /^(\d+)\s*(m|mb|g|gb)?$/i;

/**
 * A size as app.json may give it: Nimbus's own memory notion (`512`, `512MB`, `1G`, `1GB`, as in
 * `ps:scale web=2:512`) or a Heroku dyno size (`standard-2x`, case-insensitive). Throws a message
 * for the build output when it is neither.
 */
export function parseFormationSize(size: string): number {
  const trimmed = size.trim();
  const heroku = HEROKU_SIZES[trimmed.toLowerCase()];
  if (heroku !== undefined) return heroku;
  const match = MEMORY.exec(trimmed);
  if (!match)
    throw new Error(
      `"${size}" is not a size: use memory such as 512 or 1GB, or a Heroku size such as standard-1x or standard-2x`,
    );
  const [, amount, unit] = match;
  const memoryMb = Number(amount) * (unit?.toLowerCase().startsWith('g') ? 1024 : 1);
  if (memoryMb < MEMORY_MB.min || memoryMb > MEMORY_MB.max)
    throw new Error(`"${size}" is outside ${MEMORY_MB.min} MB to ${MEMORY_MB.max / 1024} GB`);
  return memoryMb;
}

/**
 * app.json's `formation` in Nimbus's units: replicas and memory per process type. Throws (naming
 * the field) when a quantity or size could never be scaled to, so the build fails instead of the
 * first deploy.
 */
export function appJsonFormation(appJson: AppJson): Record<string, FormationRequest> {
  const formation: Record<string, FormationRequest> = {};
  for (const [type, entry] of Object.entries(appJson.formation ?? {})) {
    const request: FormationRequest = {};
    if (entry.quantity !== undefined) {
      if (entry.quantity > MAX_REPLICAS)
        throw new Error(
          `app.json: formation.${type}.quantity ${entry.quantity} is over the limit of ${MAX_REPLICAS}`,
        );
      request.replicas = entry.quantity;
    }
    if (entry.size !== undefined) {
      try {
        request.memoryMb = parseFormationSize(entry.size);
      } catch (error) {
        throw new Error(`app.json: formation.${type}.size ${(error as Error).message}`);
      }
    }
    formation[type] = request;
  }
  return formation;
}

/** `web=2:512MB worker=1`: how a formation reads in build output and events. */
export function describeFormation(formation: Record<string, FormationRequest>): string {
  return Object.entries(formation)
    .map(
      ([type, request]) =>
        `${type}=${request.replicas ?? ''}${request.memoryMb !== undefined ? `:${request.memoryMb}MB` : ''}`,
    )
    .join(' ');
}
