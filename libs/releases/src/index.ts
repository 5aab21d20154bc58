export { ReleaseCutter } from './release-cutter';
export type { ConfigReach } from './release-cutter';
export { AppGoneError } from './errors';
export { ReleaseNotFoundError } from './rollback';
export { releaseImageOf } from './release-image';
export type { ReleaseImage } from './release-image';
export { snapshotOf, environmentOf, secretValuesOf } from './snapshot';
export type { SnapshotEntry, OpenEntry } from './snapshot';
