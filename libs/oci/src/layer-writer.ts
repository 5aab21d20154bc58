import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';
import { fileBlob } from './blob-source';
import { DigestStream, digestHex } from './digest';
import { OciError, OciErrorCodes } from './errors';
import type { ImageLayer } from './image';
import { MediaTypes } from './image-spec';
import { walkTree, type TreeEntry } from './tree-walk';

/** How to turn a directory into a layer. */
export interface LayerOptions {
  /** Directory whose contents become the layer. */
  sourceDir: string;
  /** Directory that receives the compressed layer file (`<hex>.tar.gz`); created if missing. */
  outDir: string;
  /** Absolute path in the image where the contents of `sourceDir` land. Default `/`. */
  targetDir?: string;
  /** Numeric owner of every entry taken from `sourceDir` (synthesized parents stay root). Default 0. */
  uid?: number;
  /** Numeric group, as `uid`. Default 0. */
  gid?: number;
  /** Modification time of every entry, like SOURCE_DATE_EPOCH. Default the Unix epoch. */
  mtime?: Date;
  /** Relative path (posix separators) → false to leave it out; a left-out directory takes its contents with it. */
  filter?: (relativePath: string) => boolean;
  /** What made the layer, recorded in the image config's history (e.g. `nimbus build: npm ci`). */
  createdBy?: string;
  /** gzip level 0–9. Default zlib's default (6). */
  compressionLevel?: number;
}

/** A layer written to disk: the compressed blob, plus (as `diffId`) the digest of its uncompressed tar. */
export interface LayerBlob extends ImageLayer {
  /** The `<hex>.tar.gz` file holding the blob. */
  readonly path: string;
}

// tar-stream writes ids as 6 octal digits and would silently clamp anything larger.
const MAX_TAR_ID = 0o777777;

/**
 * Writes a directory as a gzip'd tar layer. The result depends only on paths, contents, modes,
 * symlink targets and the options: entries are sorted, times fixed, owners numeric with no names.
 * The tar streams through two hashes and gzip straight into a temp file that is renamed into
 * place, so layers of any size use constant memory and a half-written layer is never seen.
 */
export async function writeLayer(options: LayerOptions): Promise<LayerBlob> {
  const uid = checkedId(options.uid ?? 0, 'uid');
  const gid = checkedId(options.gid ?? 0, 'gid');
  const mtime = options.mtime ?? new Date(0);
  await mkdir(options.outDir, { recursive: true });
  const temp = join(options.outDir, `.layer-${randomUUID()}.tmp`);
  const tar = tarPack();
  const tarDigest = new DigestStream();
  const blobDigest = new DigestStream();
  const aborted = new AbortController();
  try {
    const entries = walkTree(options.sourceDir, {
      targetDir: options.targetDir ?? '/',
      ...(options.filter ? { filter: options.filter } : {}),
    });
    const producer = packEntries(tar, entries, { uid, gid, mtime }, aborted.signal).catch(
      (error: unknown) => {
        tar.destroy(error as Error);
        throw error;
      },
    );
    const consumer = pipeline(
      tar,
      tarDigest,
      createGzip({ level: options.compressionLevel ?? zlibConstants.Z_DEFAULT_COMPRESSION }),
      blobDigest,
      createWriteStream(temp),
    ).catch((error: unknown) => {
      // Unblocks the producer if it waits on a sink that will never drain.
      aborted.abort(error);
      throw error;
    });
    // Both settle before cleanup (each failure stops the other): the temp file must not be
    // reopened after it was removed. The producer's error, if any, is the one that explains.
    const failure = (await Promise.allSettled([producer, consumer])).find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    const path = join(options.outDir, `${digestHex(blobDigest.digest)}.tar.gz`);
    await rename(temp, path);
    const descriptor = {
      mediaType: MediaTypes.layerTarGzip,
      digest: blobDigest.digest,
      size: blobDigest.size,
    };
    return {
      ...fileBlob(descriptor, path),
      diffId: tarDigest.digest,
      ...(options.createdBy !== undefined ? { createdBy: options.createdBy } : {}),
    };
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

interface Ownership {
  uid: number;
  gid: number;
  mtime: Date;
}

async function packEntries(
  tar: Pack,
  entries: AsyncIterable<TreeEntry>,
  owner: Ownership,
  signal: AbortSignal,
): Promise<void> {
  // One listener for the whole layer: a listener per entry would pile up on the signal.
  const stopped = abortion(signal);
  stopped.catch(() => undefined);
  for await (const entry of entries) {
    signal.throwIfAborted();
    await Promise.race([addEntry(tar, entry, owner, signal), stopped]);
  }
  tar.finalize();
}

async function addEntry(tar: Pack, entry: TreeEntry, owner: Ownership, signal: AbortSignal): Promise<void> {
  const synthetic = entry.type === 'directory' && entry.synthetic;
  const header: Partial<Header> & Pick<Header, 'name'> = {
    name: entry.name,
    type: entry.type,
    mode: entry.mode,
    uid: synthetic ? 0 : owner.uid,
    gid: synthetic ? 0 : owner.gid,
    mtime: owner.mtime,
  };
  if (entry.type === 'symlink') header.linkname = entry.linkname;
  if (entry.type === 'file') header.size = entry.size;
  await new Promise<void>((resolve, reject) => {
    const sink = tar.entry(header, (error) => (error ? reject(error) : resolve()));
    if (entry.type === 'file') copyInto(entry.sourcePath, sink, signal).catch(reject);
  });
}

async function copyInto(path: string, sink: ReturnType<Pack['entry']>, signal: AbortSignal): Promise<void> {
  const source = createReadStream(path, { signal });
  for await (const chunk of source) {
    // tar-stream's sink applies backpressure from the gzip/file pipeline; honour it.
    if (!sink.write(chunk as Buffer)) await once(sink, 'drain', { signal });
  }
  // streamx's typings make end's argument required; it is optional at run time.
  sink.end(undefined);
}

function abortion(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function checkedId(id: number, what: string): number {
  if (!Number.isInteger(id) || id < 0 || id > MAX_TAR_ID) {
    throw new OciError(
      OciErrorCodes.unsupportedFile,
      `${what} ${id} cannot be stored in a tar header (0–${MAX_TAR_ID})`,
    );
  }
  return id;
}
