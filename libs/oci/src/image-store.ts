import type { Readable } from 'node:stream';
import { bufferBlob, type BufferBlob } from './blob-source';
import { isDigest, type Digest } from './digest';
import { OciError, OciErrorCodes } from './errors';
import { assembleImage, type OciImage } from './image';
import {
  MediaTypes,
  parseImageConfig,
  type Descriptor,
  type ImageConfig,
  type ImageManifest,
} from './image-spec';

/** A manifest as a store holds it: its descriptor, the parsed document, and its exact bytes. */
export interface StoredManifest {
  descriptor: Descriptor;
  manifest: ImageManifest;
  bytes: Buffer;
}

export interface PushOptions {
  /** Tags to point at the image; a tag that pointed elsewhere moves. None: stored by digest only. */
  tags?: readonly string[];
}

/**
 * Where images live: one repository (a layout directory, or one repository of a registry).
 * A reference is a tag (`v12`, `latest`) or a manifest digest (`sha256:…`). Every read verifies
 * content against its digest, so a store can be shared disk or a remote service without trust.
 */
export interface ImageStore {
  /** Where the store points, for messages and logs (never contains credentials). */
  readonly location: string;
  /** Stores blobs (skipping those present), then the manifest, then the tags; returns the manifest digest. */
  push(image: OciImage, options?: PushOptions): Promise<Digest>;
  /** The manifest descriptor a tag or digest names; `oci/not_found` when there is none. */
  resolve(reference: string): Promise<Descriptor>;
  /** The image manifest a tag or digest names. */
  readManifest(reference: string): Promise<StoredManifest>;
  /** The image config of the manifest a tag or digest names. */
  readConfig(reference: string): Promise<ImageConfig>;
  hasBlob(digest: Digest): Promise<boolean>;
  /** The blob's bytes; the stream fails with `oci/digest_mismatch` if they do not match the digest. */
  openBlob(digest: Digest, expectedSize?: number): Promise<Readable>;
}

/** A tag or a digest, told apart. */
export type Reference = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: Digest };

// The distribution spec's tag grammar; layouts accept more, but Nimbus tags must fit both stores.
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** Parses a reference; throws `oci/invalid_reference` for anything that is neither a tag nor a sha256 digest. */
export function parseReference(reference: string): Reference {
  if (isDigest(reference)) return { kind: 'digest', digest: reference };
  return { kind: 'tag', tag: checkTag(reference) };
}

/** Returns `tag` if it is a valid tag, else throws `oci/invalid_reference`. */
export function checkTag(tag: string): string {
  if (!TAG.test(tag)) {
    throw new OciError(
      OciErrorCodes.invalidReference,
      `"${tag}" is not a valid tag (letters, digits, _ . -; at most 128; not starting with . or -)`,
    );
  }
  return tag;
}

/** Distribution registries refuse manifests above 4 MiB; reading more would only waste memory. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** Reads a small blob whole (a config), bounded so a wrong descriptor cannot exhaust memory. */
export async function readBlobBytes(
  store: ImageStore,
  descriptor: Descriptor,
  limit: number,
): Promise<Buffer> {
  if (descriptor.size > limit) {
    throw new OciError(
      OciErrorCodes.invalidDocument,
      `blob ${descriptor.digest} is ${descriptor.size} bytes, over ${limit}`,
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of await store.openBlob(descriptor.digest, descriptor.size))
    chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `readConfig` in terms of `readManifest` and `openBlob`, shared by the stores. */
export async function readConfigOf(store: ImageStore, reference: string): Promise<ImageConfig> {
  return (await readConfigBlob(store, reference)).config;
}

async function readConfigBlob(
  store: ImageStore,
  reference: string,
): Promise<{ stored: StoredManifest; config: ImageConfig; configBlob: BufferBlob }> {
  const stored = await store.readManifest(reference);
  const configDescriptor = stored.manifest.config;
  if (configDescriptor.mediaType !== MediaTypes.imageConfig) {
    throw new OciError(
      OciErrorCodes.unsupportedMediaType,
      `${reference} in ${store.location} has a config of type ${configDescriptor.mediaType}, not an OCI image config`,
    );
  }
  const bytes = await readBlobBytes(store, configDescriptor, MAX_CONFIG_BYTES);
  const config = parseImageConfig(bytes, `config ${configDescriptor.digest} in ${store.location}`);
  return { stored, config, configBlob: bufferBlob(MediaTypes.imageConfig, bytes) };
}

/**
 * An image as a store holds it, with layers opened from that store on demand — e.g. to promote
 * an image from the layout store to a registry: `await registry.push(await readImage(layout, 'v3'))`.
 */
export async function readImage(store: ImageStore, reference: string): Promise<OciImage> {
  const { stored, config, configBlob } = await readConfigBlob(store, reference);
  const layers = stored.manifest.layers.map((descriptor) => ({
    descriptor,
    open: () => store.openBlob(descriptor.digest, descriptor.size),
  }));
  return assembleImage(stored.manifest, stored.bytes, config, configBlob, layers);
}
