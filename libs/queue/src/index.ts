export { BUILD_QUEUE, bullPrefix, createBuildQueue, createBuildWorker, enqueueBuild } from './build-queue';
export type { BuildJob, BuildWorkerOptions } from './build-queue';
export { BuildOutputStream } from './build-output';
export type { FollowOptions, OutputEvent } from './build-output';
