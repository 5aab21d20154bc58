import { chmod, lchown, lstat, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { BindMount } from './oci-spec';

/** Host directories the container sees read-only, at the same paths. */
const SYSTEM_DIRS = ['/usr', '/etc'];
/** Top-level directories that merged-/usr hosts make symlinks into /usr and older hosts keep as directories. */
const LIBRARY_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** Mount points of the spec's standard mounts. */
const STANDARD_DIRS = ['/proc', '/dev', '/sys', '/tmp'];

/**
 * Fills `rootfs` with nothing but mount points and the host's /usr symlinks, so the container
 * runs the host's own programs (node, npm, sh) from read-only binds and has no other files.
 * Returns the read-only binds to add to the spec.
 */
export async function buildRootfs(rootfs: string): Promise<BindMount[]> {
  await mkdir(rootfs, { recursive: true });
  // This directory becomes "/": the unprivileged user must be able to traverse it.
  await chmod(rootfs, 0o755);
  const binds: BindMount[] = [];
  for (const dir of [...SYSTEM_DIRS, ...STANDARD_DIRS]) await mkdir(join(rootfs, dir), { mode: 0o755 });
  // runc gives a tmpfs the mode of the directory it covers, whatever the spec's mode= says.
  await chmod(join(rootfs, 'tmp'), 0o1777);
  for (const dir of SYSTEM_DIRS) binds.push({ source: dir, destination: dir, readonly: true });
  for (const dir of LIBRARY_DIRS) {
    const kind = await lstat(dir).catch(() => null);
    if (kind?.isSymbolicLink()) {
      await symlink(await readlink(dir), join(rootfs, dir));
    } else if (kind?.isDirectory()) {
      await mkdir(join(rootfs, dir), { mode: 0o755 });
      binds.push({ source: dir, destination: dir, readonly: true });
    }
  }
  return binds;
}

/** Paths that must stay read-only or belong to the runtime: never a writable bind, nor inside one. */
export const PROTECTED_PATHS = [
  ...SYSTEM_DIRS,
  ...LIBRARY_DIRS,
  ...STANDARD_DIRS.filter((dir) => dir !== '/tmp'),
];

/**
 * Gives `uid:gid` everything under `dir` without ever following a symbolic link, so a link
 * planted by an app's source cannot hand it a host file. A hard link cannot be told apart from
 * its other names, so a multiply-linked file not yet owned by the user is refused instead.
 */
export async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  const top = await lstat(dir).catch(() => null);
  if (!top?.isDirectory()) throw new Error(`runInContainer: writable path ${dir} is not a directory`);
  await chownEntry(dir, uid, gid);
}

async function chownEntry(path: string, uid: number, gid: number): Promise<void> {
  const stats = await lstat(path);
  const owned = stats.uid === uid && stats.gid === gid;
  if (!owned) {
    if (stats.isFile() && stats.nlink > 1)
      throw new Error(`runInContainer: refusing to chown ${path}: it is hard-linked (${stats.nlink} names)`);
    await lchown(path, uid, gid);
  }
  if (!stats.isDirectory()) return;
  const names = await readdir(path);
  await Promise.all(names.map((name) => chownEntry(join(path, name), uid, gid)));
}
