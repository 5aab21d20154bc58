import { Readable, pipeline } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { BlobSource } from './blob-source';
import { isDigest, sha256Digest, verifyingStream, type Digest } from './digest';
import { OciError, OciErrorCodes } from './errors';
import type { OciImage } from './image';
import { MediaTypes, parseImageManifest, type Descriptor, type ImageConfig } from './image-spec';
import {
  MAX_MANIFEST_BYTES,
  checkTag,
  parseReference,
  readConfigOf,
  type ImageStore,
  type PushOptions,
  type StoredManifest,
} from './image-store';
import { RegistryHttp, type RegistryCredentials } from './registry-http';

export interface RegistryStoreOptions {
  /** The registry's base URL, e.g. `https://registry.internal:5000` (the API lives under `/v2/`). */
  url: string;
  /** Repository name, e.g. `acme/web` (lower case, as the distribution spec requires). */
  repository: string;
  /** Sent as HTTP basic auth on every request. */
  credentials?: RegistryCredentials;
  /**
   * Upload blobs larger than this in PATCH requests of this many bytes (each held in memory);
   * smaller ones, and all when unset, go in one streamed PUT.
   */
  chunkSize?: number;
}

// What we read; Docker's schema 2 is listed so the registry answers with it (and we refuse it
// clearly) instead of down-converting to the long-deprecated schema 1.
const MANIFEST_ACCEPT = [
  MediaTypes.imageManifest,
  MediaTypes.imageIndex,
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/**
 * One repository of an OCI distribution registry (HTTP API v2) as an image store. Blobs the
 * registry already has are skipped (HEAD); others are streamed up, whole or in chunks.
 */
export class RegistryImageStore implements ImageStore {
  readonly location: string;
  private readonly http: RegistryHttp;
  private readonly repository: string;

  constructor(private readonly options: RegistryStoreOptions) {
    if (!REPOSITORY.test(options.repository) || options.repository.length > 255) {
      throw new OciError(
        OciErrorCodes.invalidReference,
        `"${options.repository}" is not a valid repository name`,
      );
    }
    if (
      options.chunkSize !== undefined &&
      !(Number.isSafeInteger(options.chunkSize) && options.chunkSize > 0)
    ) {
      throw new RangeError(`chunkSize must be a positive integer, got ${options.chunkSize}`);
    }
    const base = new URL(options.url);
    this.http = new RegistryHttp(base, options.credentials);
    this.repository = options.repository;
    this.location = `${base.origin}/${options.repository}`;
  }

  async push(image: OciImage, options: PushOptions = {}): Promise<Digest> {
    const tags = (options.tags ?? []).map(checkTag);
    for (const blob of [...image.layers, image.configBlob]) {
      if (!(await this.hasBlob(blob.descriptor.digest))) await this.upload(blob);
    }
    // With no tag the manifest is put by digest, so it still lands (and stays pullable by digest).
    for (const reference of tags.length ? tags : [image.digest]) {
      const response = await this.http.send(this.path(`manifests/${reference}`), {
        method: 'PUT',
        headers: { 'content-type': MediaTypes.imageManifest },
        body: image.manifestBlob.bytes,
        expect: [201],
        what: `put of manifest ${reference} in ${this.repository}`,
      });
      await response.body?.cancel();
      const stored = response.headers.get('docker-content-digest');
      if (stored !== null && stored !== image.digest) {
        throw new OciError(
          OciErrorCodes.digestMismatch,
          `${this.location} stored manifest ${reference} as ${stored}, not ${image.digest}`,
        );
      }
    }
    return image.digest;
  }

  async resolve(reference: string): Promise<Descriptor> {
    const ref = parseReference(reference);
    const response = await this.http.send(this.path(`manifests/${reference}`), {
      method: 'HEAD',
      headers: { accept: MANIFEST_ACCEPT },
      expect: [200],
      what: `resolve of ${reference} in ${this.repository}`,
    });
    const digest = response.headers.get('docker-content-digest');
    const size = Number(response.headers.get('content-length') ?? NaN);
    if (digest === null || !isDigest(digest) || !Number.isSafeInteger(size)) {
      // Not every registry sends these on HEAD; the manifest itself settles it.
      return (await this.readManifest(reference)).descriptor;
    }
    if (ref.kind === 'digest' && digest !== ref.digest) {
      throw new OciError(
        OciErrorCodes.digestMismatch,
        `${this.location} answered ${reference} with ${digest}`,
      );
    }
    return { mediaType: contentType(response), digest, size };
  }

  async readManifest(reference: string): Promise<StoredManifest> {
    const ref = parseReference(reference);
    const response = await this.http.send(this.path(`manifests/${reference}`), {
      method: 'GET',
      headers: { accept: MANIFEST_ACCEPT },
      expect: [200],
      what: `read of manifest ${reference} in ${this.repository}`,
    });
    const bytes = await readBounded(
      response,
      MAX_MANIFEST_BYTES,
      `manifest ${reference} in ${this.location}`,
    );
    const digest = sha256Digest(bytes);
    const claimed =
      response.headers.get('docker-content-digest') ?? (ref.kind === 'digest' ? ref.digest : null);
    if (claimed !== null && claimed !== digest) {
      throw new OciError(
        OciErrorCodes.digestMismatch,
        `manifest ${reference} from ${this.location} hashes to ${digest}, not ${claimed}`,
      );
    }
    const mediaType = contentType(response);
    const manifest = parseImageManifest(bytes, `${reference} in ${this.location}`, mediaType);
    return { descriptor: { mediaType: manifest.mediaType, digest, size: bytes.length }, manifest, bytes };
  }

  readConfig(reference: string): Promise<ImageConfig> {
    return readConfigOf(this, reference);
  }

  async hasBlob(digest: Digest): Promise<boolean> {
    const response = await this.http.send(this.path(`blobs/${digest}`), {
      method: 'HEAD',
      expect: [200, 404],
      what: `check of blob ${digest} in ${this.repository}`,
    });
    return response.status === 200;
  }

  async openBlob(digest: Digest, expectedSize?: number): Promise<Readable> {
    // Registries often redirect blob reads to object storage; fetch follows, dropping our
    // Authorization header when the redirect leaves the registry's origin.
    const response = await this.http.send(this.path(`blobs/${digest}`), {
      method: 'GET',
      expect: [200],
      what: `read of blob ${digest} in ${this.repository}`,
    });
    if (!response.body)
      throw new OciError(OciErrorCodes.registryError, `${this.location} sent blob ${digest} without a body`);
    // undici's ReadableStream and node:stream/web's are the same class at run time; only the typings differ.
    const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
    const expected = { digest, ...(expectedSize !== undefined ? { size: expectedSize } : {}) };
    return pipeline(body, verifyingStream(expected), () => undefined);
  }

  private path(rest: string): string {
    return `/v2/${this.repository}/${rest}`;
  }

  private async upload(blob: BlobSource): Promise<void> {
    const { digest, size } = blob.descriptor;
    const what = `upload of blob ${digest} to ${this.repository}`;
    const started = await this.http.send(this.path('blobs/uploads/'), {
      method: 'POST',
      expect: [202],
      what,
    });
    await started.body?.cancel();
    let location = this.uploadLocation(started, what);
    try {
      const chunkSize = this.options.chunkSize;
      if (chunkSize !== undefined && size > chunkSize) {
        let offset = 0;
        for await (const chunk of chunks(await blob.open(), chunkSize)) {
          const patched = await this.http.send(location, {
            method: 'PATCH',
            headers: {
              'content-type': 'application/octet-stream',
              'content-length': String(chunk.length),
              'content-range': `${offset}-${offset + chunk.length - 1}`,
            },
            body: chunk,
            expect: [202],
            what,
          });
          await patched.body?.cancel();
          offset += chunk.length;
          // Each answer names where the next request goes (its _state query changes).
          location = this.uploadLocation(patched, what);
        }
        await this.finish(location, digest, undefined, 0, what);
      } else {
        await this.finish(location, digest, await blob.open(), size, what);
      }
    } catch (error) {
      // Free the registry's half-written upload; the original error is the one that matters.
      await this.http.send(location, { method: 'DELETE', expect: [204], what: `cancel of ${what}` }).then(
        (response) => response.body?.cancel(),
        () => undefined,
      );
      throw error;
    }
  }

  private async finish(
    location: URL,
    digest: Digest,
    body: Readable | undefined,
    size: number,
    what: string,
  ): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const request = {
      method: 'PUT' as const,
      headers: { 'content-type': 'application/octet-stream' },
      expect: [201],
      what,
    };
    const response = body
      ? await this.http.sendStream(url, { ...request, body, size })
      : await this.http.send(url, { ...request, headers: { ...request.headers, 'content-length': '0' } });
    await response.body?.cancel();
  }

  private uploadLocation(response: Response, what: string): URL {
    const location = response.headers.get('location');
    if (!location)
      throw new OciError(OciErrorCodes.registryError, `${what}: the registry sent no upload location`);
    return this.http.url(location);
  }
}

/** Cuts a stream into buffers of exactly `size` bytes (the last may be shorter). */
async function* chunks(source: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of source) {
    let rest = piece as Buffer;
    while (pendingBytes + rest.length >= size) {
      const take = size - pendingBytes;
      yield Buffer.concat([...pending, rest.subarray(0, take)]);
      rest = rest.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (rest.length > 0) {
      pending.push(rest);
      pendingBytes += rest.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}

async function readBounded(response: Response, limit: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  if (!response.body) return Buffer.alloc(0);
  for await (const part of Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>)) {
    total += (part as Buffer).length;
    if (total > limit)
      throw new OciError(OciErrorCodes.invalidDocument, `${what} is larger than ${limit} bytes`);
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts);
}

function contentType(response: Response): string {
  return (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
}
