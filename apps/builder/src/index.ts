export { buildCommit, BuildFailedError } from './pipeline/build-commit';
export type { BuildCommitOptions, BuiltImage } from './pipeline/build-commit';
export { stepRunner } from './pipeline/step-runner';
export type { ContainerSandbox, StepRunner } from './pipeline/step-runner';
