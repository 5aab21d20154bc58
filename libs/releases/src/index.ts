export { ReleaseCutter, AppGoneError, releaseImageOf } from './release-cutter';
export type { ReleaseImage } from './release-cutter';
export { snapshotOf, environmentOf, secretValuesOf } from './snapshot';
export type { SnapshotEntry, OpenEntry } from './snapshot';
