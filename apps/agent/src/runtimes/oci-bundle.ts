import { chown, lstat, mkdir, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { buildRootfs, ociSpec, swapLimitSupported, type BindMount } from '@nimbus/sandbox';
import { RUN_DIR, STATUS_FILE, wrapperArgv } from './exit-status';
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
 * mount points, into which the image's top-level directories are bound read-only and the host's
 * /usr and /etc (the runtime stack) read-only. The shared unpacked image is never written to, not
 * even for mount points, and every instance of it gets its own root.
 */
export async function writeBundle(spec: InstanceSpec, options: BundleOptions): Promise<void> {
  const root = join(spec.dir, 'rootfs');
  await removeRoot(root);
  const hostBinds = await buildRootfs(root);
  const imageBinds = await bindImage(spec.image.rootfs, root);
  await mkdir(join(root, CONTAINER_RUN_DIR), { recursive: true });
  const run = join(spec.dir, RUN_DIR);
  await rm(run, { recursive: true, force: true });
  await mkdir(run, { mode: 0o755 });
  await chown(run, options.user.uid, options.user.gid);

  const env = { ...spec.image.env, ...spec.env };
  // The user has no home (it is in no passwd file); tools such as npm insist on one. /tmp is writable.
  env.HOME ??= '/tmp';
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  const memoryBytes = spec.resources.memoryMb * 1024 * 1024;
  const config = ociSpec({
    args: wrapperArgv(spec.command, STATUS_FILE_INSIDE),
    env,
    cwd: spec.image.workingDir,
    user: options.user,
    rootfs: 'rootfs',
    mounts: [...hostBinds, ...imageBinds, { source: run, destination: CONTAINER_RUN_DIR, readonly: false }],
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

/** Mount points in `root` for the image's top-level entries; its links are copied as links. */
async function bindImage(image: string, root: string): Promise<BindMount[]> {
  const binds: BindMount[] = [];
  for (const name of (await readdir(image)).sort()) {
    if (RESERVED.has(name)) continue;
    const source = join(image, name);
    const stats = await lstat(source);
    if (stats.isDirectory()) {
      await mkdir(join(root, name));
      binds.push({ source, destination: `/${name}`, readonly: true });
    } else if (stats.isFile()) {
      await writeFile(join(root, name), '');
      binds.push({ source, destination: `/${name}`, readonly: true });
    } else if (stats.isSymbolicLink()) {
      await symlink(await readlink(source), join(root, name));
    }
  }
  return binds;
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
