/** How an app is doing, in one word, as a list of apps shows it. */
export const APP_STATUSES = [
  'undeployed',
  'deploying',
  'crashed',
  'idle',
  'stopped',
  'starting',
  'running',
] as const;
export type AppStatus = (typeof APP_STATUSES)[number];

export interface AppStatusFacts {
  /** Whether a release runs. */
  deployed: boolean;
  /** The status of its latest rollout, if it ever had one. */
  rollout: 'progressing' | 'complete' | 'failed' | null;
  /** Each process type's wanted instances; idle: at zero because no request came. */
  formations: { replicas: number; idle: boolean }[];
  /** Its current service instances. */
  services: { ready: boolean; crashed: boolean }[];
}

/**
 * The one word: a rollout under way is `deploying`; a crash-looping instance or a failed rollout
 * `crashed`; nothing wanted is `idle` when the autoscaler took it to zero, else `stopped`; then
 * `running` once as many instances are ready as are wanted, `starting` until then.
 */
export function appStatus(facts: AppStatusFacts): AppStatus {
  if (!facts.deployed) return 'undeployed';
  if (facts.rollout === 'progressing') return 'deploying';
  if (facts.rollout === 'failed' || facts.services.some((service) => service.crashed)) return 'crashed';
  const wanted = facts.formations.reduce((sum, formation) => sum + formation.replicas, 0);
  if (wanted === 0) return facts.formations.some((formation) => formation.idle) ? 'idle' : 'stopped';
  const ready = facts.services.filter((service) => service.ready).length;
  return ready >= wanted ? 'running' : 'starting';
}
