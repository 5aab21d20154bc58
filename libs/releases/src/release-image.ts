import type { NewRelease, Release } from '@nimbus/db';

/** What a release runs: an image in the image store and the process types it declares. */
export interface ReleaseImage {
  digest: string;
  processTypes: Record<string, string>;
  /** From a build's app.json: replicas and memory per process type, for the app's first deploy. */
  formation?: Record<string, { replicas?: number; memoryMb?: number }>;
  /** From a build's app.json: run once after the app's first deploy. */
  postdeploy?: string | null;
}

/**
 * The image `release` runs, with what came with it from its build's app.json, for a new release
 * of the same image (a config change, a rollback): so that one landing before the first deploy
 * completes does not lose the formation or the postdeploy script.
 */
export function releaseImageOf(release: Release): ReleaseImage {
  return {
    digest: release.imageDigest,
    processTypes: release.processTypes as Record<string, string>,
    // Written from a ReleaseImage by the cutter: the same shape comes back.
    ...(release.formation ? { formation: release.formation as ReleaseImage['formation'] } : {}),
    ...(release.postdeploy ? { postdeploy: release.postdeploy } : {}),
  };
}

/** The release columns `image` fills. */
export function imageColumnsOf(
  image: ReleaseImage,
): Pick<NewRelease, 'imageDigest' | 'processTypes' | 'formation' | 'postdeploy'> {
  return {
    imageDigest: image.digest,
    processTypes: image.processTypes,
    ...(image.formation && Object.keys(image.formation).length ? { formation: image.formation } : {}),
    ...(image.postdeploy ? { postdeploy: image.postdeploy } : {}),
  };
}
