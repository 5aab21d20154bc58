import { isAbsolute } from 'node:path';

/*
 * The part of the OCI runtime spec (config.json, v1.0.2) that Nimbus writes. npm has no maintained
 * types package for it, so these cover exactly the fields generated here.
 */

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciRlimit {
  type: string;
  hard: number;
  soft: number;
}

export interface OciCapabilities {
  bounding: string[];
  effective: string[];
  permitted: string[];
  inheritable: string[];
  ambient: string[];
}

export interface OciProcess {
  terminal: boolean;
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: OciCapabilities;
  noNewPrivileges: boolean;
  rlimits?: OciRlimit[];
}

export type OciNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

export interface OciLinuxResources {
  devices: { allow: boolean; access: string; type?: string; major?: number; minor?: number }[];
  /** `swap` is memory plus swap, as on cgroup v1's memory.memsw. */
  memory?: { limit: number; swap?: number };
  pids?: { limit: number };
  cpu?: { quota: number; period: number };
}

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: {
    cgroupsPath?: string;
    resources: OciLinuxResources;
    namespaces: { type: OciNamespaceType }[];
    maskedPaths: string[];
    readonlyPaths: string[];
  };
}

export interface BindMount {
  /** Host path. */
  source: string;
  /** Path inside the container. */
  destination: string;
  readonly: boolean;
}

/** A directory seen through overlayfs: `lower` read-only, changes going to `upper` (host paths). */
export interface OverlayMount {
  lower: string;
  upper: string;
  /** overlayfs's scratch directory: empty, on the same filesystem as `upper`. */
  work: string;
  /** Path inside the container. */
  destination: string;
}

export interface OciSpecOptions {
  args: string[];
  /** The whole environment of the process: nothing is inherited from the runtime. */
  env: Record<string, string>;
  /** Absolute path inside the container. */
  cwd: string;
  /** Never root: nothing in a Nimbus container needs it. */
  user: { uid: number; gid: number };
  /** Root filesystem, absolute or relative to the bundle; mounted read-only. */
  rootfs: string;
  /** Applied in order after the standard mounts, so a parent must come before what is mounted inside it. */
  mounts?: BindMount[];
  /** Mounted after `mounts`, in order. */
  overlays?: OverlayMount[];
  resources?: {
    memoryBytes?: number;
    /** Memory plus swap; leave unset where the host has no swap accounting (runc then fails). */
    memorySwapBytes?: number;
    maxProcesses?: number;
    /** CPUs' worth of time per period, e.g. 0.5 or 2. */
    cpus?: number;
  };
  /** A private network namespace with only loopback; by default the host network is shared (builds need registries). */
  privateNetwork?: boolean;
  hostname?: string;
  /** Relative paths nest under the runtime's own cgroup (runc). */
  cgroupsPath?: string;
  /** Unset inherits the runtime's own limits: raising them needs CAP_SYS_RESOURCE, which a root in a container may lack. */
  rlimits?: OciRlimit[];
}

const CPU_PERIOD_US = 100_000;

// runc's own default list (`runc spec`) plus Docker's powercap entry (CVE-2020-8694).
const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/*
 * /dev is a small tmpfs into which runc creates its default devices (null, zero, full, random,
 * urandom, tty, ptmx) and the device cgroup allows only those. /sys and the cgroup files are
 * read-only, mainly so runtimes such as Node see their memory limit and size their heaps to it.
 */
const STANDARD_MOUNTS: OciMount[] = [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  {
    destination: '/dev',
    type: 'tmpfs',
    source: 'tmpfs',
    options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
  },
  {
    destination: '/dev/pts',
    type: 'devpts',
    source: 'devpts',
    options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
  },
  {
    destination: '/dev/shm',
    type: 'tmpfs',
    source: 'shm',
    options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
  },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  {
    destination: '/sys/fs/cgroup',
    type: 'cgroup',
    source: 'cgroup',
    options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
  },
  { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] },
];

function assertId(value: number, what: string): void {
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`OCI spec: ${what} must be a positive integer, got ${value}`);
}

function assertPositive(value: number | undefined, what: string): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0))
    throw new Error(`OCI spec: ${what} must be a positive number, got ${value}`);
}

/**
 * An OCI runtime config.json for running one unprivileged process: pid, mount, ipc and uts
 * namespaces (network only on request), a read-only root, no capabilities, no new privileges,
 * and the given limits enforced by the runtime's cgroup.
 */
export function ociSpec(options: OciSpecOptions): OciSpec {
  const { args, env, cwd, user, rootfs, mounts = [], overlays = [], resources = {} } = options;
  if (args.length === 0) throw new Error('OCI spec: args must name a command');
  if (!isAbsolute(cwd)) throw new Error(`OCI spec: cwd must be an absolute path, got "${cwd}"`);
  assertId(user.uid, 'user.uid');
  assertId(user.gid, 'user.gid');
  for (const mount of mounts) {
    if (!isAbsolute(mount.source) || !isAbsolute(mount.destination))
      throw new Error(
        `OCI spec: bind mount paths must be absolute, got ${mount.source} -> ${mount.destination}`,
      );
  }
  for (const overlay of overlays) {
    const paths = [overlay.lower, overlay.upper, overlay.work, overlay.destination];
    if (!paths.every(isAbsolute))
      throw new Error(`OCI spec: overlay paths must be absolute, got ${paths.join(', ')}`);
    // overlayfs's options are split on commas and its lower layers on colons.
    if (paths.some((path) => /[,:]/.test(path)))
      throw new Error(`OCI spec: overlay paths cannot hold "," or ":", got ${paths.join(', ')}`);
  }
  for (const key of Object.keys(env)) {
    if (key === '' || key.includes('='))
      throw new Error(`OCI spec: invalid environment variable name "${key}"`);
  }
  assertPositive(resources.memoryBytes, 'resources.memoryBytes');
  assertPositive(resources.maxProcesses, 'resources.maxProcesses');
  assertPositive(resources.cpus, 'resources.cpus');
  if (
    resources.memorySwapBytes !== undefined &&
    resources.memorySwapBytes < (resources.memoryBytes ?? Infinity)
  )
    throw new Error(
      'OCI spec: resources.memorySwapBytes counts memory too, so it needs memoryBytes and cannot be below it',
    );

  const noCapabilities: OciCapabilities = {
    bounding: [],
    effective: [],
    permitted: [],
    inheritable: [],
    ambient: [],
  };
  const linuxResources: OciLinuxResources = { devices: [{ allow: false, access: 'rwm' }] };
  if (resources.memoryBytes !== undefined) {
    linuxResources.memory = { limit: Math.floor(resources.memoryBytes) };
    if (resources.memorySwapBytes !== undefined)
      linuxResources.memory.swap = Math.floor(resources.memorySwapBytes);
  }
  if (resources.maxProcesses !== undefined)
    linuxResources.pids = { limit: Math.floor(resources.maxProcesses) };
  if (resources.cpus !== undefined)
    linuxResources.cpu = { quota: Math.round(resources.cpus * CPU_PERIOD_US), period: CPU_PERIOD_US };

  const namespaces: { type: OciNamespaceType }[] = [
    { type: 'pid' },
    { type: 'mount' },
    { type: 'ipc' },
    { type: 'uts' },
  ];
  if (options.privateNetwork) namespaces.push({ type: 'network' });

  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: user.uid, gid: user.gid },
      args: [...args],
      env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
      cwd,
      capabilities: noCapabilities,
      noNewPrivileges: true,
      ...(options.rlimits ? { rlimits: options.rlimits.map((limit) => ({ ...limit })) } : {}),
    },
    root: { path: rootfs, readonly: true },
    hostname: options.hostname ?? 'sandbox',
    mounts: [
      ...STANDARD_MOUNTS.map((mount) => ({ ...mount, options: [...(mount.options ?? [])] })),
      ...mounts.map((mount): OciMount => ({
        destination: mount.destination,
        type: 'bind',
        source: mount.source,
        options: ['rbind', mount.readonly ? 'ro' : 'rw', 'nosuid', 'nodev'],
      })),
      ...overlays.map((overlay): OciMount => ({
        destination: overlay.destination,
        type: 'overlay',
        source: 'overlay',
        options: [
          `lowerdir=${overlay.lower}`,
          `upperdir=${overlay.upper}`,
          `workdir=${overlay.work}`,
          'nosuid',
          'nodev',
        ],
      })),
    ],
    linux: {
      ...(options.cgroupsPath ? { cgroupsPath: options.cgroupsPath } : {}),
      resources: linuxResources,
      namespaces,
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
}
