import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  open,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { HOST_OWNED, ImagePathMap } from './image-paths';

const run = promisify(execFile);

/** The kernel reads at most this much of a script's first line (BINPRM_BUF_SIZE). */
const SHEBANG_MAX = 256;

/**
 * The process runtime's writable root for one instance: a copy of the image's own top-level
 * directories (`/app`, …) at `dest`, which only this instance changes and which goes with it.
 * The copy is fixed up for where it lives, since a process sees the host's filesystem rather than
 * the image at `/`: script interpreters named by image paths (`#!/app/.venv/bin/python`) point
 * into the copy, and links that reach the host's runtime stack (a virtualenv's python ->
 * `/usr/bin/python3`, unpacked as a relative link) point at it again.
 */
export async function copyImageRoot(image: string, dest: string): Promise<ImagePathMap> {
  await rm(dest, { recursive: true, force: true });
  // Copied and fixed up where only the agent can reach (0700): the files belong to the instances'
  // user, and a process of that user (a leftover of an earlier run) swapping one for a link while
  // the agent, as root, rewrites it would have the agent write a host file. Moved into place once done.
  const staging = join(dirname(dest), `.copy-${randomBytes(6).toString('hex')}`);
  await mkdir(staging, { mode: 0o700 });
  try {
    const source = await ImagePathMap.of(image);
    // cp -a keeps owners, modes and links as they are, and is far faster than a copy in JS.
    const tops = source.tops.map((top) => join(image, top));
    if (tops.length > 0) await run('cp', ['-a', '--reflink=auto', '--', ...tops, staging]);
    const copy = new ImagePathMap(dest, source.tops);
    for (const top of copy.tops) await fixTree(staging, top, copy);
    await chmod(staging, 0o755);
    await rename(staging, dest);
    return copy;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Walks `rel` (a path below `root`, where the copy is made) fixing scripts and links; never
 * follows a link. `paths` maps image paths to where the copy will be.
 */
async function fixTree(root: string, rel: string, paths: ImagePathMap): Promise<void> {
  const path = join(root, rel);
  const stats = await lstat(path);
  if (stats.isSymbolicLink()) return fixLink(root, rel, paths);
  if (stats.isFile() && (stats.mode & 0o111) !== 0) return fixShebang(path, paths);
  if (!stats.isDirectory()) return;
  for (const name of await readdir(path)) await fixTree(root, posix.join(rel, name), paths);
}

async function fixShebang(path: string, paths: ImagePathMap): Promise<void> {
  const head = Buffer.alloc(SHEBANG_MAX);
  const file = await open(path, 'r');
  const { bytesRead } = await file.read(head, 0, SHEBANG_MAX, 0).finally(() => file.close());
  const start = head.subarray(0, bytesRead).toString('latin1');
  if (!start.startsWith('#!/')) return;
  const end = start.indexOf('\n');
  if (end < 0) return;
  const line = start.slice(0, end);
  const mapped = `#!${paths.command(line.slice(2))}`;
  if (mapped === line) return;
  const content = await readFile(path);
  await writeFile(path, Buffer.concat([Buffer.from(mapped, 'latin1'), content.subarray(end)]));
}

/** A link that resolves, in the image, into a directory the host provides: to the host's path. */
async function fixLink(root: string, rel: string, paths: ImagePathMap): Promise<void> {
  const target = await readlink(join(root, rel));
  const inImage = posix.resolve('/', posix.dirname(rel), target);
  const top = inImage.split('/')[1] ?? '';
  if (paths.tops.includes(top) || !HOST_OWNED.has(top)) return;
  const link = join(root, rel);
  await rm(link);
  await symlink(inImage, link);
}
