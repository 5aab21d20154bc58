import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { sha256Digest } from './digest';
import type { Descriptor } from './image-spec';

/**
 * A blob to be pushed: its descriptor and a way to read it. `open` may be called more than once
 * (one store after another, or a retry), and each call yields the whole blob from its start.
 */
export interface BlobSource {
  readonly descriptor: Descriptor;
  open(): Promise<Readable>;
}

/** A small blob held in memory (manifest, config), together with its exact bytes. */
export interface BufferBlob extends BlobSource {
  readonly bytes: Buffer;
}

/** Wraps bytes as a blob; the descriptor is computed from them, so it cannot disagree. */
export function bufferBlob(mediaType: string, bytes: Buffer): BufferBlob {
  const descriptor: Descriptor = { mediaType, digest: sha256Digest(bytes), size: bytes.length };
  return { descriptor, bytes, open: async () => Readable.from([bytes]) };
}

/** A blob in a file whose descriptor the caller computed while writing it. */
export function fileBlob(descriptor: Descriptor, path: string): BlobSource & { readonly path: string } {
  return { descriptor, path, open: async () => createReadStream(path) };
}
