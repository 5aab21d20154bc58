import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { writeFileAtomic, writeStreamAtomic } from './atomic-file';
import type { BlobSource } from './blob-source';
import { digestHex, verifyingStream, type Digest } from './digest';
import { OciError, OciErrorCodes } from './errors';
import { withFileLock, type FileLockOptions } from './file-lock';
import type { OciImage } from './image';
import {
  Annotations,
  MediaTypes,
  documentMediaType,
  parseImageIndex,
  parseImageManifest,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
} from './image-spec';
import {
  MAX_MANIFEST_BYTES,
  checkTag,
  parseReference,
  readBlobBytes,
  readConfigOf,
  type ImageStore,
  type PushOptions,
  type StoredManifest,
} from './image-store';

export interface LayoutStoreOptions {
  /** How long to wait for, and when to break, the lock on index.json. */
  lock?: FileLockOptions;
}

const LAYOUT_FILE = JSON.stringify({ imageLayoutVersion: '1.0.0' });

/**
 * An OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/…`) as an image store;
 * tags are `org.opencontainers.image.ref.name` annotations in index.json, as skopeo and umoci
 * read them (`oci:DIR:TAG`). Safe for several writers at once, in one process or many: blobs
 * appear by rename only when complete, and index.json changes under a lock file.
 */
export class LayoutImageStore implements ImageStore {
  readonly location: string;

  /** @param dir the layout directory; created on the first push. */
  constructor(
    readonly dir: string,
    private readonly options: LayoutStoreOptions = {},
  ) {
    this.location = `oci:${dir}`;
  }

  async push(image: OciImage, options: PushOptions = {}): Promise<Digest> {
    const tags = (options.tags ?? []).map(checkTag);
    await this.ensureLayout();
    // Bottom-up: by the time the manifest exists its blobs do, and by the time a tag does, its manifest.
    for (const blob of [...image.layers, image.configBlob, image.manifestBlob]) await this.writeBlob(blob);
    await this.updateIndex(image.manifestBlob.descriptor, tags);
    return image.digest;
  }

  async resolve(reference: string): Promise<Descriptor> {
    const ref = parseReference(reference);
    if (ref.kind === 'digest') {
      // Without an index entry the media type is only in the document itself.
      const size = await this.blobSize(ref.digest);
      if (size === undefined)
        throw new OciError(OciErrorCodes.notFound, `${ref.digest} not found in ${this.location}`);
      const bytes = await readBlobBytes(
        this,
        { mediaType: '', digest: ref.digest, size },
        MAX_MANIFEST_BYTES,
      );
      return {
        mediaType: documentMediaType(bytes, `${ref.digest} in ${this.location}`),
        digest: ref.digest,
        size,
      };
    }
    const index = await this.readIndex();
    const entry = index.manifests.filter((m) => m.annotations?.[Annotations.refName] === ref.tag).pop();
    if (!entry) throw new OciError(OciErrorCodes.notFound, `tag ${ref.tag} not found in ${this.location}`);
    return entry;
  }

  async readManifest(reference: string): Promise<StoredManifest> {
    const descriptor = await this.resolve(reference);
    const bytes = await readBlobBytes(this, descriptor, MAX_MANIFEST_BYTES);
    const manifest = parseImageManifest(bytes, `${reference} in ${this.location}`, descriptor.mediaType);
    return {
      descriptor: { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size },
      manifest,
      bytes,
    };
  }

  readConfig(reference: string): Promise<ImageConfig> {
    return readConfigOf(this, reference);
  }

  async hasBlob(digest: Digest): Promise<boolean> {
    return (await this.blobSize(digest)) !== undefined;
  }

  async openBlob(digest: Digest, expectedSize?: number): Promise<Readable> {
    const path = this.blobPath(digest);
    const size = await this.blobSize(digest);
    if (size === undefined)
      throw new OciError(OciErrorCodes.notFound, `blob ${digest} not found in ${this.location}`);
    const expected = { digest, ...(expectedSize !== undefined ? { size: expectedSize } : {}) };
    // pipeline, not pipe: a read error reaches the consumer, and a consumer that stops early closes the file.
    return pipeline(createReadStream(path), verifyingStream(expected), () => undefined);
  }

  private blobPath(digest: Digest): string {
    return join(this.dir, 'blobs', 'sha256', digestHex(digest));
  }

  private async blobSize(digest: Digest): Promise<number | undefined> {
    const stats = await stat(this.blobPath(digest)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    return stats?.isFile() ? stats.size : undefined;
  }

  private async ensureLayout(): Promise<void> {
    await mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    const layoutFile = join(this.dir, 'oci-layout');
    if (!(await stat(layoutFile).catch(() => undefined))) await writeFileAtomic(layoutFile, LAYOUT_FILE);
  }

  private async writeBlob(blob: BlobSource): Promise<void> {
    const { digest, size } = blob.descriptor;
    // Content-addressed, so a file of the right size is the blob (its content was verified when written).
    if ((await this.blobSize(digest)) === size) return;
    await writeStreamAtomic(this.blobPath(digest), await blob.open(), { digest, size });
  }

  private async updateIndex(manifest: Descriptor, tags: readonly string[]): Promise<void> {
    const indexPath = join(this.dir, 'index.json');
    await withFileLock(
      `${indexPath}.lock`,
      async () => {
        const index = await this.readIndex().catch((error: unknown) => {
          if (error instanceof OciError && error.code === OciErrorCodes.notFound) return emptyIndex();
          throw error;
        });
        const plain = { mediaType: MediaTypes.imageManifest, digest: manifest.digest, size: manifest.size };
        const manifests = tags.length
          ? [
              // A tag names one manifest: its old entry goes; an untagged entry for this manifest is now redundant.
              ...index.manifests.filter((m) => {
                const tag = m.annotations?.[Annotations.refName];
                return tag === undefined ? m.digest !== manifest.digest : !tags.includes(tag);
              }),
              ...tags.map((tag) => ({ ...plain, annotations: { [Annotations.refName]: tag } })),
            ]
          : index.manifests.some((m) => m.digest === manifest.digest)
            ? index.manifests
            : [...index.manifests, plain];
        await writeFileAtomic(indexPath, JSON.stringify({ ...index, manifests }));
      },
      this.options.lock,
    );
  }

  private async readIndex(): Promise<ImageIndex> {
    const path = join(this.dir, 'index.json');
    const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT')
        throw new OciError(OciErrorCodes.notFound, `no OCI image layout at ${this.dir}`);
      throw error;
    });
    return parseImageIndex(bytes, path);
  }
}

function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaTypes.imageIndex, manifests: [] };
}
