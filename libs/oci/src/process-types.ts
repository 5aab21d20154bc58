import { OciError, OciErrorCodes } from './errors';
import type { ImageConfig } from './image-spec';

/** Image label holding the app's process types (Procfile) as a JSON object of name → command. */
export const PROCESS_TYPES_LABEL = 'dev.nimbus.process-types';

/** The label value for {@link PROCESS_TYPES_LABEL}; keeps the Procfile's order. */
export function encodeProcessTypes(processTypes: Readonly<Record<string, string>>): string {
  return JSON.stringify(processTypes);
}

/** The process types an image declares, or an empty record when it has no such label. */
export function readProcessTypes(config: ImageConfig): Record<string, string> {
  const raw = config.config?.Labels?.[PROCESS_TYPES_LABEL];
  if (raw === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new OciError(OciErrorCodes.invalidDocument, `label ${PROCESS_TYPES_LABEL} is not JSON`, {
      cause: error,
    });
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !Object.values(value).every((command) => typeof command === 'string')
  ) {
    throw new OciError(
      OciErrorCodes.invalidDocument,
      `label ${PROCESS_TYPES_LABEL} must be a JSON object of process type → command`,
    );
  }
  return value as Record<string, string>;
}

/** Image label: HTTP checks per process type (JSON), from the app's app.json. */
export const HEALTH_CHECKS_LABEL = 'dev.nimbus.healthchecks';

/** Image label of images built before checks had fields: a bare readiness path per process type. */
export const READINESS_PATHS_LABEL = 'dev.nimbus.readiness-paths';

/** Image label: app.json's formation (JSON of process type → replicas, memory), for the first deploy. */
export const FORMATION_LABEL = 'dev.nimbus.formation';

/** Image label: app.json's `scripts.postdeploy`, run once after the app's first deploy. */
export const POSTDEPLOY_LABEL = 'dev.nimbus.postdeploy';
