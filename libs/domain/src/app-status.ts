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

/** What the word is made of, summed over the app's process types and service instances. */
export interface AppStatusFacts {
  /** Whether a release runs. */
  deployed: boolean;
  /** The status of its latest rollout, if it ever had one. */
  rollout: 'progressing' | 'complete' | 'failed' | null;
  /** Instances its formation wants, all types together. */
  wanted: number;
  /** Whether an autoscaler took a type to zero for want of requests. */
  idle: boolean;
  /** Its service instances that are ready (not draining, not being stopped). */
  ready: number;
  /** Whether one of its service instances is crash-looping. */
  crashed: boolean;
}

/**
 * The one word: a rollout under way is `deploying`; a crash-looping instance or a failed rollout
 * `crashed`; nothing wanted is `idle` when the autoscaler took it to zero, else `stopped`; then
 * `running` once as many instances are ready as are wanted, `starting` until then.
 */
export function appStatus(facts: AppStatusFacts): AppStatus {
  if (!facts.deployed) return 'undeployed';
  if (facts.rollout === 'progressing') return 'deploying';
  if (facts.rollout === 'failed' || facts.crashed) return 'crashed';
  if (facts.wanted === 0) return facts.idle ? 'idle' : 'stopped';
  return facts.ready >= facts.wanted ? 'running' : 'starting';
}
