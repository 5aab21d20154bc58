import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lchown, lstat, mkdir, readdir, rm, symlink } from 'node:fs/promises';
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
 * then its entries. Absolute paths and `..` are refused (every tar warning fails the layer), tar
 * never writes through a symbolic link (one in the way of an entry is replaced), and links that
 * climb out of the root are refused. Links keep pointing where they point inside the image, spelled
 * so that they never resolve outside `rootfs`; deletions never follow a link either.
 */
export async function applyLayer(rootfs: string, layer: LayerFile, owner?: LayerOwner): Promise<void> {
  const whiteouts = await scanLayer(layer);
  for (const whiteout of whiteouts) await applyWhiteout(rootfs, whiteout);
  await extractLayer(rootfs, layer, owner);
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

/** Who owns what an image unpacks to: the instances' user, so their writable layer may change it. */
export interface LayerOwner {
  uid: number;
  gid: number;
}

async function extractLayer(rootfs: string, layer: LayerFile, owner?: LayerOwner): Promise<void> {
  const problems: string[] = [];
  const links: { parts: string[]; target: string }[] = [];
  const entries: string[][] = [];
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
    ...(owner ? { uid: owner.uid, gid: owner.gid, preserveOwner: false } : {}),
    filter: (path, entry) => {
      const base = path.split('/').findLast((part) => part !== '') ?? '';
      if (base.startsWith(WHITEOUT)) return false;
      try {
        const parts = entryParts(path);
        entries.push(parts);
        // Symbolic links are made below, once every other entry is in place: tar refuses a link
        // whose target passes through another link (a virtualenv's python3.11 -> python3 -> /usr/bin/python3).
        if ('type' in entry && entry.type === 'SymbolicLink') {
          links.push({ parts, target: containedLinkTarget(path, entry.linkpath ?? '') });
          return false;
        }
      } catch (error) {
        problems.push((error as Error).message);
        return false;
      }
      return true;
    },
    onReadEntry: containEntry,
    onwarn: (code, message) => problems.push(`${code}: ${message}`),
  });
  problems.push(...entriesBelowLinks(entries, links));
  if (problems.length > 0) throw new LayerRefusedError(`layer refused: ${problems.join('; ')}`);
  for (const link of links) await placeLink(rootfs, link.parts, link.target, owner);
}

/**
 * Entries that a layer puts below one of its own links: a layer made from a filesystem cannot
 * have them, and since links are made last they would land in a directory the link then replaces.
 */
function entriesBelowLinks(entries: string[][], links: { parts: string[] }[]): string[] {
  const linkPaths = new Set(links.map((link) => link.parts.join('/')));
  const problems: string[] = [];
  for (const parts of entries) {
    for (let depth = 1; depth < parts.length; depth++) {
      const parent = parts.slice(0, depth).join('/');
      if (linkPaths.has(parent)) {
        problems.push(`${parts.join('/')}: below the layer's own symbolic link ${parent}`);
        break;
      }
    }
  }
  return problems;
}

/** Makes one link, its parents real directories of the root (created if missing, never followed). */
async function placeLink(rootfs: string, parts: string[], target: string, owner?: LayerOwner) {
  const name = parts.at(-1);
  if (name === undefined) throw new LayerRefusedError('layer refused: a symbolic link at the root itself');
  let dir = rootfs;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    const stats = await lstat(dir).catch(() => null);
    if (stats === null) {
      await mkdir(dir, { mode: 0o755 });
      if (owner) await lchown(dir, owner.uid, owner.gid);
    } else if (!stats.isDirectory())
      throw new LayerRefusedError(`layer refused: ${parts.join('/')}: its parent ${part} is not a directory`);
  }
  const path = join(dir, name);
  await rm(path, { recursive: true, force: true });
  await symlink(target, path);
  if (owner) await lchown(path, owner.uid, owner.gid);
}

/** Called before tar checks and writes an entry: adjusts what is legitimate in an image but not on the host. */
function containEntry(entry: ReadEntry): void {
  if (entry.mode !== undefined) entry.mode &= ~STRIPPED_MODE_BITS;
  // Hard link targets are archive paths; a leading slash means the same as none.
  if (entry.type === 'Link' && entry.linkpath !== undefined)
    entry.linkpath = entry.linkpath.replace(/^\/+/, '');
}

/**
 * A link target that resolves inside the image as `target` does there, spelled relative to the
 * link and normalised so that it never names a host path nor climbs out through another link: absolute targets start at the image's root (the
 * runtime mounts the host's /usr there, so a virtualenv's `/usr/bin/python3` is kept). A relative
 * target that climbs out of the root is refused: no filesystem an image was made from has one.
 */
export function containedLinkTarget(entryPath: string, target: string): string {
  if (target === '') throw new Error(`${entryPath}: symbolic link with no target`);
  const dir = posix.dirname(posix.join('/', entryPath));
  if (!posix.isAbsolute(target) && posix.join(dir.slice(1) || '.', target).split('/')[0] === '..')
    throw new Error(`${entryPath}: symbolic link to ${target} leaves the image's root`);
  // Normalised, so that no `..` follows a link (`root/..` where root -> ..) to climb after all:
  // a link's parents are real directories, so what stays of `..` at its start is exact.
  return posix.relative(dir, posix.resolve(dir, target)) || '.';
}
