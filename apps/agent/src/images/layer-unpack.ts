import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Parser, extract, type ReadEntry } from 'tar';

/** An image whose layer cannot be applied safely or faithfully; retrying will not help. */
export class LayerRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayerRefusedError';
  }
}

export interface LayerFile {
  /** The layer blob on local disk, already verified against its digest by the store. */
  path: string;
  gzip: boolean;
  /** The digest of the uncompressed tar, from the image config; checked before anything is written. */
  diffId: string;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
/** aufs bookkeeping (`.wh..wh.plnk`, …) that some tools leave in layers: neither content nor a deletion. */
const AUFS_META = '.wh..wh.';
/**
 * Mode bits never given on the host, where unpacked images live (and the process runtime runs
 * them): setuid and setgid would be a way up, write for group and others a way to tamper with a
 * shared image. Instances see images read-only, so no image loses anything it could use.
 */
const STRIPPED_MODE_BITS = 0o6022;

type Whiteout = { dir: string[]; opaque: true } | { dir: string[]; opaque: false; name: string };

/**
 * Applies one layer on top of `rootfs` with the image-spec's semantics: its whiteouts first (a
 * whiteout only ever hides what lower layers put there, so removing before extracting is exact),
 * then its entries. Absolute paths and `..` are refused by tar (every tar warning fails the layer),
 * and tar never writes through a symbolic link: one in the way of an entry is replaced. Links keep
 * pointing where they point inside the image, but are stored so that they never resolve outside
 * `rootfs`; deletions never follow a link either.
 */
export async function applyLayer(rootfs: string, layer: LayerFile): Promise<void> {
  const whiteouts = await scanLayer(layer);
  for (const whiteout of whiteouts) await applyWhiteout(rootfs, whiteout);
  await extractLayer(rootfs, layer);
}

/** One pass over the uncompressed tar: its diff id, and the deletions it asks for. */
async function scanLayer(layer: LayerFile): Promise<Whiteout[]> {
  const hash = createHash('sha256');
  const whiteouts: Whiteout[] = [];
  const problems: string[] = [];
  const parser = new Parser({
    onwarn: (code, message) => problems.push(`${code}: ${message}`),
    onReadEntry: (entry: ReadEntry) => {
      try {
        const whiteout = whiteoutOf(entry.path);
        if (whiteout) whiteouts.push(whiteout);
      } catch (error) {
        problems.push((error as Error).message);
      }
      entry.resume();
    },
  });
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
  });
  const consume = async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) {
      hash.update(chunk);
      parser.write(chunk);
    }
    parser.end();
  };
  const source = createReadStream(layer.path);
  await (layer.gzip ? pipeline(source, createGunzip(), consume) : pipeline(source, consume));
  await parsed;
  const diffId = `sha256:${hash.digest('hex')}`;
  if (diffId !== layer.diffId)
    throw new LayerRefusedError(`layer's content is ${diffId}, but the image config says ${layer.diffId}`);
  if (problems.length > 0) throw new LayerRefusedError(`layer refused: ${problems.join('; ')}`);
  return whiteouts;
}

function whiteoutOf(path: string): Whiteout | null {
  const parts = entryParts(path);
  const base = parts.at(-1);
  if (base === undefined || !base.startsWith(WHITEOUT)) return null;
  const dir = parts.slice(0, -1);
  if (base === OPAQUE) return { dir, opaque: true };
  if (base.startsWith(AUFS_META)) return null;
  const name = base.slice(WHITEOUT.length);
  if (name === '' || name === '.' || name === '..') throw new Error(`whiteout ${path} names no file`);
  return { dir, opaque: false, name };
}

/** An entry's path as components below the root; what could leave the root is refused outright. */
function entryParts(path: string): string[] {
  if (posix.isAbsolute(path)) throw new Error(`${path}: absolute path`);
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new Error(`${path}: contains '..'`);
  return parts;
}

/**
 * The directory a whiteout lives in, walked component by component without following links: a
 * whiteout below a link (or below nothing) has nothing of the lower layers to hide, and following
 * the link could delete host files.
 */
async function realDirectory(rootfs: string, parts: string[]): Promise<string | null> {
  let path = rootfs;
  for (const part of parts) {
    path = join(path, part);
    const stats = await lstat(path).catch(() => null);
    if (!stats?.isDirectory()) return null;
  }
  return path;
}

async function applyWhiteout(rootfs: string, whiteout: Whiteout): Promise<void> {
  const dir = await realDirectory(rootfs, whiteout.dir);
  if (dir === null) return;
  // rm never follows a link it is given, nor links met while recursing.
  if (!whiteout.opaque) {
    await rm(join(dir, whiteout.name), { recursive: true, force: true });
    return;
  }
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
}

async function extractLayer(rootfs: string, layer: LayerFile): Promise<void> {
  const problems: string[] = [];
  await extract({
    file: layer.path,
    cwd: rootfs,
    gzip: layer.gzip,
    // An upper layer's file replaces a lower one's, never writes through a hard link into another.
    unlink: true,
    // Directories' modes as in the image (less the stripped bits), whatever this process's umask;
    // tar cannot do the same for files, which a umask of 022 or looser leaves as they are.
    chmod: true,
    processUmask: 0,
    // For directories the archive only implies (a file's parents), and entries without a mode.
    dmode: 0o755,
    fmode: 0o644,
    filter: (path) => !(path.split('/').findLast((part) => part !== '') ?? '').startsWith(WHITEOUT),
    onReadEntry: containEntry,
    onwarn: (code, message) => problems.push(`${code}: ${message}`),
  });
  if (problems.length > 0) throw new LayerRefusedError(`layer refused: ${problems.join('; ')}`);
}

/** Called before tar checks and writes an entry: adjusts what is legitimate in an image but not on the host. */
function containEntry(entry: ReadEntry): void {
  if (entry.mode !== undefined) entry.mode &= ~STRIPPED_MODE_BITS;
  if (entry.linkpath === undefined) return;
  if (entry.type === 'SymbolicLink') entry.linkpath = containedLinkTarget(entry.path, entry.linkpath);
  // Hard link targets are archive paths; a leading slash means the same as none.
  else if (entry.type === 'Link') entry.linkpath = entry.linkpath.replace(/^\/+/, '');
}

/**
 * A link target that resolves inside the image as `target` does there: absolute targets start at
 * the image's root and `..` stops at it. Rewritten relative to the link (only when it would leave
 * the root read on the host), so tar accepts it and no host path is ever named.
 */
export function containedLinkTarget(entryPath: string, target: string): string {
  const dir = posix.dirname(posix.join('/', entryPath));
  const escapes = posix.isAbsolute(target) || posix.join(dir.slice(1) || '.', target).split('/')[0] === '..';
  if (!escapes) return target;
  return posix.relative(dir, posix.resolve(dir, target)) || '.';
}
