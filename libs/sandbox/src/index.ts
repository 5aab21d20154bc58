export { runCommand } from './run-command';
export type { RunLimits, RunOptions, RunResult } from './run-command';
export { cgroupSupport } from './cgroups';
