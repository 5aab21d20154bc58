import { ociSpec, type OciSpecOptions } from './index';

const base: OciSpecOptions = {
  args: ['npm', 'ci'],
  env: { PATH: '/usr/bin:/bin', HOME: '/build' },
  cwd: '/build/app',
  user: { uid: 1000, gid: 1000 },
  rootfs: 'rootfs',
};

describe(ociSpec.name, () => {
  it('should isolate pid, mount, ipc and uts but share the host network by default', () => {
    const types = ociSpec(base).linux.namespaces.map((namespace) => namespace.type);
    expect(types.sort()).toEqual(['ipc', 'mount', 'pid', 'uts']);
    expect(ociSpec({ ...base, privateNetwork: true }).linux.namespaces.map((n) => n.type)).toContain(
      'network',
    );
  });

  it('should run the process unprivileged with exactly its arguments and environment', () => {
    const { process, root } = ociSpec(base);
    expect(process).toMatchObject({
      terminal: false,
      user: { uid: 1000, gid: 1000 },
      args: ['npm', 'ci'],
      env: ['PATH=/usr/bin:/bin', 'HOME=/build'],
      cwd: '/build/app',
      noNewPrivileges: true,
    });
    expect(Object.values(process.capabilities).flat()).toEqual([]);
    expect(root).toEqual({ path: 'rootfs', readonly: true });
    expect(process.rlimits).toBeUndefined();
  });

  it('should mount the standard filesystems, then the binds in the order given', () => {
    const { mounts } = ociSpec({
      ...base,
      mounts: [
        { source: '/usr', destination: '/usr', readonly: true },
        { source: '/srv/build', destination: '/build', readonly: false },
      ],
    });
    expect(mounts.map((mount) => `${mount.destination}:${mount.type}`)).toEqual([
      '/proc:proc',
      '/dev:tmpfs',
      '/dev/pts:devpts',
      '/dev/shm:tmpfs',
      '/dev/mqueue:mqueue',
      '/sys:sysfs',
      '/sys/fs/cgroup:cgroup',
      '/tmp:tmpfs',
      '/usr:bind',
      '/build:bind',
    ]);
    expect(mounts.at(-2)).toEqual({
      destination: '/usr',
      type: 'bind',
      source: '/usr',
      options: ['rbind', 'ro', 'nosuid', 'nodev'],
    });
    expect(mounts.at(-1)?.options).toContain('rw');
    expect(mounts.find((mount) => mount.destination === '/sys')?.options).toContain('ro');
  });

  it('should mount overlays after the binds, each over its own upper and work directories', () => {
    const overlay = {
      lower: '/images/abc/app',
      upper: '/i/1/upper/app',
      work: '/i/1/work/app',
      destination: '/app',
    };
    const { mounts } = ociSpec({
      ...base,
      mounts: [{ source: '/srv/file', destination: '/file', readonly: true }],
      overlays: [overlay],
    });
    expect(mounts.slice(-2)).toEqual([
      expect.objectContaining({ destination: '/file', type: 'bind' }),
      {
        destination: '/app',
        type: 'overlay',
        source: 'overlay',
        options: [
          'lowerdir=/images/abc/app',
          'upperdir=/i/1/upper/app',
          'workdir=/i/1/work/app',
          'nosuid',
          'nodev',
        ],
      },
    ]);
    // overlayfs would read a comma as the next option, a colon as another lower layer.
    expect(() => ociSpec({ ...base, overlays: [{ ...overlay, upper: '/i/1,x/upper' }] })).toThrow(
      /cannot hold/,
    );
    expect(() => ociSpec({ ...base, overlays: [{ ...overlay, lower: 'relative' }] })).toThrow(/absolute/);
  });

  it('should put the limits into linux.resources and deny devices beyond the defaults', () => {
    const { linux } = ociSpec({
      ...base,
      resources: { memoryBytes: 64 << 20, memorySwapBytes: 64 << 20, maxProcesses: 32, cpus: 1.5 },
      cgroupsPath: 'nimbus-x',
    });
    expect(linux.resources).toEqual({
      devices: [{ allow: false, access: 'rwm' }],
      memory: { limit: 64 << 20, swap: 64 << 20 },
      pids: { limit: 32 },
      cpu: { quota: 150_000, period: 100_000 },
    });
    expect(linux.cgroupsPath).toBe('nimbus-x');
    expect(ociSpec(base).linux.resources).toEqual({ devices: [{ allow: false, access: 'rwm' }] });
  });

  it('should mask and write-protect the kernel interfaces runc protects by default', () => {
    const { linux } = ociSpec(base);
    expect(linux.maskedPaths).toEqual(expect.arrayContaining(['/proc/kcore', '/proc/keys', '/sys/firmware']));
    expect(linux.readonlyPaths).toEqual(expect.arrayContaining(['/proc/sys', '/proc/sysrq-trigger']));
  });

  it('should refuse what would make an unsafe or broken spec', () => {
    expect(() => ociSpec({ ...base, user: { uid: 0, gid: 0 } })).toThrow(
      /user.uid must be a positive integer/,
    );
    expect(() => ociSpec({ ...base, args: [] })).toThrow(/args/);
    expect(() => ociSpec({ ...base, cwd: 'app' })).toThrow(/cwd must be an absolute path/);
    expect(() =>
      ociSpec({ ...base, mounts: [{ source: 'rel', destination: '/x', readonly: true }] }),
    ).toThrow(/absolute/);
    expect(() => ociSpec({ ...base, env: { 'A=B': 'c' } })).toThrow(/environment variable name/);
    expect(() => ociSpec({ ...base, resources: { memoryBytes: -1 } })).toThrow(/memoryBytes/);
    expect(() => ociSpec({ ...base, resources: { memoryBytes: 64, memorySwapBytes: 32 } })).toThrow(
      /memorySwapBytes/,
    );
  });
});
