import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { link, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerPreconditions, containerSupport, runInContainer, type ContainerRunOptions } from './index';
import { findRunc } from './runc';

const USER = { uid: 4242, gid: 4242 };
const PATH = '/usr/local/bin:/usr/bin:/bin';
const MiB = 1024 * 1024;

/*
 * Jest collects tests synchronously, so the skip is decided by the synchronous preconditions and
 * the first test asserts containerSupport() itself. In CI nothing is skipped: a host without
 * runc must fail the run there, not hide these tests.
 */
const preconditions = containerPreconditions();
const runs = preconditions.available || process.env.CI === 'true';
const suite = runs ? describe : describe.skip;
const title = runs ? runInContainer.name : `${runInContainer.name} (skipped: ${preconditions.reason})`;

suite(title, () => {
  let work: string;
  let stateDir: string;

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'nimbus-container-spec-'));
    stateDir = await mkdtemp(join(tmpdir(), 'nimbus-runc-spec-'));
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  });

  const run = async (command: string[], extra: Partial<ContainerRunOptions> = {}) => {
    const lines: string[] = [];
    const result = await runInContainer({
      command,
      cwd: work,
      env: { PATH, HOME: work },
      limits: { timeoutMs: 10_000 },
      onLine: (line, stream) => lines.push(`${stream}: ${line}`),
      user: USER,
      writable: [work],
      stateDir,
      ...extra,
    });
    return { ...result, lines, stdout: lines.filter((l) => l.startsWith('stdout: ')).map((l) => l.slice(8)) };
  };
  const runcContainers = () =>
    execFileSync(findRunc() as string, ['--root', stateDir, 'list', '--quiet'], { encoding: 'utf8' }).trim();

  it('should be reported available by containerSupport', async () => {
    await expect(containerSupport()).resolves.toEqual({ available: true });
  });

  it('should bind a host directory at another path, writable, as the working directory', async () => {
    const app = join(work, 'app');
    await mkdir(app);
    await writeFile(join(app, 'source.txt'), 'from the host');
    const result = await run(['sh', '-c', 'pwd; cat source.txt; echo built > /app/out.txt'], {
      cwd: '/app',
      writable: [],
      binds: [{ source: app, destination: '/app' }],
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: ['/app', 'from the host'] });
    expect(await readFile(join(app, 'out.txt'), 'utf8')).toBe('built\n');
  });

  it('should refuse a bind over a system directory, and a working directory outside every bind', async () => {
    await expect(run(['true'], { binds: [{ source: work, destination: '/usr/local' }] })).rejects.toThrow(
      /system directory/,
    );
    await expect(
      run(['true'], { cwd: '/srv', writable: [], binds: [{ source: work, destination: '/app' }] }),
    ).rejects.toThrow(/cwd \/srv must be inside/);
  });

  it('should stream both outputs line by line and return the exit code', async () => {
    const result = await run(['sh', '-c', 'echo one; echo two >&2; printf three; exit 3']);
    expect(result).toMatchObject({
      exitCode: 3,
      signal: null,
      timedOut: false,
      oomKilled: false,
      limited: true,
    });
    expect(result.lines.sort()).toEqual(['stderr: two', 'stdout: one', 'stdout: three']);
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('should run as the given non-root user with only the given environment', async () => {
    process.env.NIMBUS_SANDBOX_CANARY = 'must-not-leak';
    try {
      const result = await run(['sh', '-c', 'id -u; id -g; env | sort'], { env: { PATH, ONLY: 'this' } });
      expect(result.stdout.slice(0, 2)).toEqual(['4242', '4242']);
      // runc sets HOME when it is missing; sh sets PWD.
      expect(result.stdout.slice(2)).toEqual(['HOME=/', 'ONLY=this', `PATH=${PATH}`, `PWD=${work}`]);
    } finally {
      delete process.env.NIMBUS_SANDBOX_CANARY;
    }
  });

  it('should let it write only inside its writable directories', async () => {
    const script = [
      'touch /usr/x && echo wrote-usr',
      'touch /etc/x && echo wrote-etc',
      'touch /x && echo wrote-root',
      `touch ${join(tmpdir(), 'nimbus-outside')} 2>/dev/null && test -e ${join(tmpdir(), 'nimbus-outside')} && echo wrote-tmp`,
      `touch ${work}/inside && echo wrote-inside`,
    ].join('; ');
    const result = await run(['sh', '-c', script]);
    expect(result.stdout).toEqual(['wrote-tmp', 'wrote-inside']);
    expect(result.lines.filter((line) => line.includes('Read-only file system'))).toHaveLength(3);
    // /tmp inside is the container's own tmpfs: what it wrote there never reached the host.
    expect(existsSync(join(tmpdir(), 'nimbus-outside'))).toBe(false);
    expect(statSync(join(work, 'inside')).uid).toBe(USER.uid);
  });

  it('should never follow a symbolic link when handing the writable directory over', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'nimbus-container-outside-'));
    try {
      await writeFile(join(outside, 'secret'), 'root only');
      await symlink(join(outside, 'secret'), join(work, 'link'));
      await symlink(outside, join(work, 'dir-link'));
      const result = await run(['true']);
      expect(result.exitCode).toBe(0);
      expect((await stat(join(outside, 'secret'))).uid).toBe(0);
      expect((await stat(outside)).uid).toBe(0);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('should refuse to chown a hard-linked file it does not own yet', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'nimbus-container-outside-'));
    try {
      await writeFile(join(outside, 'secret'), 'root only');
      await link(join(outside, 'secret'), join(work, 'hard'));
      await expect(run(['true'])).rejects.toThrow(/hard-linked/);
      expect((await stat(join(outside, 'secret'))).uid).toBe(0);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('should give it its own pid namespace and hostname', async () => {
    const result = await run(['sh', '-c', "echo $$; ls /proc | grep -c '^[0-9]'; hostname"]);
    const [pid, processes, name] = result.stdout;
    expect(pid).toBe('1');
    // sh, ls, grep: the host's hundreds of processes are not visible.
    expect(Number(processes)).toBeLessThanOrEqual(4);
    expect(name).toBe('sandbox');
    expect(name).not.toBe(hostname());
  });

  it('should kill a command that exceeds its memory, and say so', async () => {
    const hog = 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));';
    const result = await run(['node', '-e', hog], { limits: { timeoutMs: 20_000, memoryBytes: 64 * MiB } });
    expect(result).toMatchObject({ oomKilled: true, signal: 'SIGKILL', exitCode: null, timedOut: false });
    expect(result.cgroups.length).toBeGreaterThan(0);
    for (const path of result.cgroups) expect(existsSync(path)).toBe(false);
  });

  it('should not call a command that merely exits non-zero out of memory', async () => {
    const result = await run(['sh', '-c', 'exit 1'], {
      limits: { timeoutMs: 10_000, memoryBytes: 64 * MiB },
    });
    expect(result).toMatchObject({ oomKilled: false, exitCode: 1 });
  });

  it('should cap how many processes it may start', async () => {
    const script = 'i=0; while [ $i -lt 50 ]; do sleep 5 & i=$((i+1)); echo $i; done';
    const result = await run(['sh', '-c', script], { limits: { timeoutMs: 10_000, maxProcesses: 16 } });
    const started = result.stdout.map(Number);
    expect(Math.max(...started)).toBeLessThan(16);
    expect(result.lines.join('\n')).toMatch(/fork/i);
    // The shell died of it, and the pid namespace took its sleeping children along.
    expect(result.durationMs).toBeLessThan(4_000);
  });

  it('should kill it when time runs out and leave no container behind', async () => {
    const result = await run(['sh', '-c', 'sleep 30 & sleep 30'], { limits: { timeoutMs: 500 } });
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL', oomKilled: false });
    expect(result.durationMs).toBeLessThan(5_000);
    expect(runcContainers()).toBe('');
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('should run node and npm', async () => {
    const result = await run(['sh', '-c', "node -e 'console.log(1+1)' && npm --version"], {
      limits: { timeoutMs: 15_000, memoryBytes: 512 * MiB, maxProcesses: 64 },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout[0]).toBe('2');
    expect(result.stdout[1]).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('should mount nested writable directories parents first', async () => {
    const cache = join(work, 'cache');
    await mkdir(cache);
    const result = await run(['sh', '-c', `touch ${cache}/entry && echo ok`], { writable: [cache, work] });
    expect(result.stdout).toEqual(['ok']);
    expect(existsSync(join(cache, 'entry'))).toBe(true);
  });

  it('should refuse a cwd outside the writable directories, root, and system directories', async () => {
    await expect(run(['true'], { cwd: '/usr' })).rejects.toThrow(/cwd \/usr must be inside/);
    await expect(run(['true'], { user: { uid: 0, gid: 0 } })).rejects.toThrow(/refuses to run as root/);
    await expect(run(['true'], { writable: ['/etc/ssl', work] })).rejects.toThrow(/system directory/);
  });

  it('should reject a command that cannot be started, and clean up', async () => {
    await expect(run(['/nonexistent/program'])).rejects.toThrow(/runc could not start/);
    expect(runcContainers()).toBe('');
  });
});
