export { buildCommit, BuildFailedError } from './pipeline/build-commit';
export type { BuildCommitOptions, BuiltImage } from './pipeline/build-commit';
