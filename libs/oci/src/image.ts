import { bufferBlob, type BlobSource, type BufferBlob } from './blob-source';
import type { Digest } from './digest';
import { createImageConfig, sortedRecord, type ImageConfigOptions } from './image-config';
import { MediaTypes, type Descriptor, type ImageConfig, type ImageManifest } from './image-spec';

/**
 * An image ready to push (or read back from a store): manifest and config as exact bytes, layers
 * as blobs opened on demand. Stores write `manifestBlob.bytes` as they are; re-serialising the
 * manifest could change its digest.
 */
export interface OciImage {
  /** The manifest's digest: the image's identity, what a Release records. */
  readonly digest: Digest;
  readonly manifest: ImageManifest;
  readonly manifestBlob: BufferBlob;
  readonly config: ImageConfig;
  readonly configBlob: BufferBlob;
  /** Bottom layer first, in manifest order. */
  readonly layers: readonly BlobSource[];
}

/**
 * A layer as an image needs it: the compressed blob and the digest of its uncompressed tar. A
 * `LayerBlob` from `writeLayer` is one; so is a base image's layer (its blob from a store,
 * its diff id from that image's config).
 */
export interface ImageLayer extends BlobSource {
  readonly diffId: Digest;
  /** Recorded in the config's history. */
  readonly createdBy?: string;
}

/** Everything that makes an image from layers already written. */
export interface ImageOptions extends ImageConfigOptions {
  /** Bottom layer first. */
  layers: readonly ImageLayer[];
  /** Manifest annotations (e.g. `org.opencontainers.image.revision`); stored with sorted keys. */
  annotations?: Readonly<Record<string, string>>;
}

/** Builds config and manifest for layers already written; no I/O happens here. */
export function buildImage(options: ImageOptions): OciImage {
  const config = createImageConfig(options, options.layers);
  const configBlob = bufferBlob(MediaTypes.imageConfig, Buffer.from(JSON.stringify(config)));
  const manifest = createImageManifest(
    configBlob.descriptor,
    options.layers.map((layer) => layer.descriptor),
    options.annotations,
  );
  return assembleImage(manifest, Buffer.from(JSON.stringify(manifest)), config, configBlob, options.layers);
}

/** An image manifest for a config and layers (bottom first). */
function createImageManifest(
  config: Descriptor,
  layers: readonly Descriptor[],
  annotations?: Readonly<Record<string, string>>,
): ImageManifest {
  return {
    schemaVersion: 2,
    mediaType: MediaTypes.imageManifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((layer) => ({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size })),
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations: sortedRecord(annotations) } : {}),
  };
}

/** Puts the parts of an image together; the manifest's digest is computed from `manifestBytes`. */
export function assembleImage(
  manifest: ImageManifest,
  manifestBytes: Buffer,
  config: ImageConfig,
  configBlob: BufferBlob,
  layers: readonly BlobSource[],
): OciImage {
  const manifestBlob = bufferBlob(MediaTypes.imageManifest, manifestBytes);
  return { digest: manifestBlob.descriptor.digest, manifest, manifestBlob, config, configBlob, layers };
}
