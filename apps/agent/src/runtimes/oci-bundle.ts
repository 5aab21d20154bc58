import {
  chmod,
  chown,
  lstat,
  mkdir,
  readFile,
  readdir,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join, sep } from 'node:path';
import { buildRootfs, ociSpec, swapLimitSupported, type BindMount, type OverlayMount } from '@nimbus/sandbox';
import { RUN_DIR, STATUS_FILE, clearExitStatus, wrapperArgv } from './exit-status';
import type { InstanceSpec } from './runtime';

/** Where the instance's writable run directory (its exit status) appears inside the container. */
const CONTAINER_RUN_DIR = '/run/nimbus';
const STATUS_FILE_INSIDE = `${CONTAINER_RUN_DIR}/${STATUS_FILE}`;
/** Top-level names the bundle's own root provides (host stack, kernel filesystems, /tmp, /run). */
const RESERVED = new Set([
  'usr',
  'etc',
  'bin',
  'sbin',
  'lib',
  'lib32',
  'lib64',
  'libx32',
  'proc',
  'dev',
  'sys',
  'tmp',
  'run',
]);

export interface BundleOptions {
  id: string;
  user: { uid: number; gid: number };
  maxProcesses: number;
  /** runc nests a relative cgroups path under its own cgroup; absolute keeps instances out of the agent's. */
  cgroupParent?: string;
}

/**
 * Writes the OCI bundle of an instance into its directory: config.json and a root made only of
 * mount points, on which the image's top-level directories are overlays (the shared image
 * read-only below, the instance's own writable layer above) and the host's /usr and /etc (the
 * runtime stack) read-only binds. The shared unpacked image is never written to, not even for
 * mount points, and every instance of it gets its own root and layer.
 */
export async function writeBundle(spec: InstanceSpec, options: BundleOptions): Promise<void> {
  const root = join(spec.dir, 'rootfs');
  await removeRoot(root);
  const hostBinds = await buildRootfs(root);
  // A fresh writable layer per start, as on Heroku: nothing an instance wrote survives a restart.
  const layer = join(spec.dir, 'layer');
  await rm(layer, { recursive: true, force: true });
  const { binds: imageBinds, overlays } = await mountImage(spec.image.rootfs, root, layer);
  await mkdir(join(root, CONTAINER_RUN_DIR), { recursive: true });
  const run = join(spec.dir, RUN_DIR);
  await clearExitStatus(spec.dir);
  // The container's user writes its exit status here: the agent reads it without following links.
  await mkdir(run, { mode: 0o755 });
  await chown(run, options.user.uid, options.user.gid);

  const env = { ...spec.image.env, ...spec.env };
  // Heroku's contract: the app's directory is its home, and writable.
  env.HOME ??= spec.image.workingDir;
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  const memoryBytes = spec.resources.memoryMb * 1024 * 1024;
  const config = ociSpec({
    args: wrapperArgv(spec.command, STATUS_FILE_INSIDE),
    env,
    cwd: spec.image.workingDir,
    user: options.user,
    rootfs: 'rootfs',
    mounts: [...hostBinds, ...imageBinds, { source: run, destination: CONTAINER_RUN_DIR, readonly: false }],
    overlays,
    resources: {
      memoryBytes,
      // Without it, the memory limit could be dodged by swapping.
      ...(swapLimitSupported() ? { memorySwapBytes: memoryBytes } : {}),
      maxProcesses: options.maxProcesses,
      ...(spec.resources.cpuMillis > 0 ? { cpus: spec.resources.cpuMillis / 1000 } : {}),
    },
    hostname: options.id.slice(0, 63),
    cgroupsPath: options.cgroupParent
      ? `${options.cgroupParent.replace(/\/+$/, '')}/${options.id}`
      : options.id,
  });
  await writeFile(join(spec.dir, 'config.json'), JSON.stringify(config, null, 2));
}

/**
 * Mount points in `root` for the image's top-level entries: each directory an overlay of the
 * shared, read-only image under the instance's own writable layer (in `layer`, removed with the
 * instance), files read-only binds, links copied as links.
 */
async function mountImage(
  image: string,
  root: string,
  layer: string,
): Promise<{ binds: BindMount[]; overlays: OverlayMount[] }> {
  const binds: BindMount[] = [];
  const overlays: OverlayMount[] = [];
  for (const name of (await readdir(image)).sort()) {
    if (RESERVED.has(name)) continue;
    const source = join(image, name);
    const stats = await lstat(source);
    if (stats.isDirectory()) {
      await mkdir(join(root, name));
      const upper = join(layer, 'upper', name);
      const work = join(layer, 'work', name);
      await mkdir(upper, { recursive: true });
      await mkdir(work, { recursive: true });
      // The upper directory's owner and mode are the merged directory's.
      await chown(upper, stats.uid, stats.gid);
      await chmod(upper, stats.mode & 0o7777);
      overlays.push({ lower: source, upper, work, destination: `/${name}` });
    } else if (stats.isFile()) {
      await writeFile(join(root, name), '');
      binds.push({ source, destination: `/${name}`, readonly: true });
    } else if (stats.isSymbolicLink()) {
      await symlink(await readlink(source), join(root, name));
    }
  }
  return { binds, overlays };
}

/**
 * Removes an instance's root from an earlier run. Its mount points are mounted only in the
 * container's mount namespace, gone with the container; were one visible here, removing the
 * tree would delete the host's /usr or the shared image, so that is refused.
 */
export async function removeRoot(root: string): Promise<void> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const mounted = mounts
    .split('\n')
    .map((line) => line.split(' ')[4])
    .find((point) => point !== undefined && (point === root || point.startsWith(root + sep)));
  if (mounted) throw new Error(`${mounted} is still mounted; not removing ${root}`);
  await rm(root, { recursive: true, force: true });
}
