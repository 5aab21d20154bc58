import { CliError } from './errors';

/** One process type's change, as `PATCH …/formation` takes it. */
export interface FormationUpdate {
  type: string;
  replicas?: number;
  memoryMb?: number;
}

const FORM = /^([^=:\s]+)=(\d+)?(?::(\d+)(m|mb|g|gb)?)?$/i;
const EXAMPLES = 'use TYPE=REPLICAS or TYPE=REPLICAS:MEMORY, such as web=3 or worker=2:512';

/**
 * `ps:scale` arguments: `web=3` (replicas), `web=2:512` (and memory, MB unless `G`/`GB` says
 * otherwise), `web=:1G` (memory only). Every argument is checked before anything is sent; a later
 * one for the same type wins, as in a shell. Ranges and type names are left to the API, which
 * owns those rules.
 */
export function parseScaleArguments(args: string[]): FormationUpdate[] {
  if (args.length === 0) throw new CliError(`name the process types to scale: ${EXAMPLES}`);
  const updates = new Map<string, FormationUpdate>();
  for (const arg of args) {
    const match = FORM.exec(arg);
    const [, type, replicas, memory, unit] = match ?? [];
    if (!type || (replicas === undefined && memory === undefined))
      throw new CliError(`"${arg}" is not TYPE=REPLICAS[:MEMORY]: ${EXAMPLES}`);
    const gigabytes = unit !== undefined && unit.toLowerCase().startsWith('g');
    updates.set(type, {
      type,
      ...(replicas !== undefined ? { replicas: Number(replicas) } : {}),
      ...(memory !== undefined ? { memoryMb: Number(memory) * (gigabytes ? 1024 : 1) } : {}),
    });
  }
  return [...updates.values()];
}
