import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cgroupSupport, runCommand, type RunOptions } from './index';

const PATH = process.env.PATH as string;
/** Running, that is: a killed process is a zombie until reaped, and that counts as gone. */
const running = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};
const stopsRunning = async (pid: number) => {
  for (let attempt = 0; attempt < 50 && running(pid); attempt++)
    await new Promise((done) => setTimeout(done, 20));
  return !running(pid);
};
const run = (command: string[], extra: Partial<RunOptions> = {}) => {
  const lines: string[] = [];
  return runCommand({
    command,
    cwd: tmpdir(),
    env: { PATH },
    limits: { timeoutMs: 10_000 },
    onLine: (line, stream) => lines.push(`${stream}: ${line}`),
    ...extra,
  }).then((result) => ({ ...result, lines }));
};

describe(runCommand.name, () => {
  it('should stream both outputs line by line and return the exit code', async () => {
    const result = await run(['sh', '-c', 'echo one; echo two >&2; printf "three"; exit 3']);
    expect(result).toMatchObject({ exitCode: 3, signal: null, timedOut: false, oomKilled: false });
    expect(result.lines.sort()).toEqual(['stderr: two', 'stdout: one', 'stdout: three']);
  });

  it('should give the command exactly the environment it is handed', async () => {
    process.env.NIMBUS_SANDBOX_CANARY = 'must-not-leak';
    try {
      const result = await run(['sh', '-c', 'env'], { env: { PATH, ONLY: 'this' } });
      expect(result.lines).toContain('stdout: ONLY=this');
      expect(result.lines.join('\n')).not.toContain('must-not-leak');
    } finally {
      delete process.env.NIMBUS_SANDBOX_CANARY;
    }
  });

  it('should kill the whole tree when time runs out', async () => {
    const result = await run(['sh', '-c', 'sleep 30 & echo child $!; sleep 30'], {
      limits: { timeoutMs: 500 },
    });
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
    const grandchild = Number(
      result.lines
        .find((line) => line.startsWith('stdout: child'))
        ?.split(' ')
        .pop(),
    );
    expect(grandchild).toBeGreaterThan(0);
    expect(await stopsRunning(grandchild)).toBe(true);
  });

  it('should leave nothing running behind a command that exits', async () => {
    const result = await run(['sh', '-c', 'sleep 30 & echo child $!; exit 0']);
    const leftover = Number(result.lines[0]?.split(' ').pop());
    expect(result.exitCode).toBe(0);
    expect(await stopsRunning(leftover)).toBe(true);
  });

  describe('with cgroup limits', () => {
    beforeAll(() => {
      if (cgroupSupport() === 'none')
        throw new Error('this host has no memory and pids cgroups: limits cannot be tested here');
    });

    it('should kill a command that exceeds its memory, and say so', async () => {
      const hog = 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));';
      const result = await run([process.execPath, '-e', hog], {
        limits: { timeoutMs: 20_000, memoryBytes: 96 << 20 },
      });
      expect(result).toMatchObject({ limited: true, oomKilled: true, signal: 'SIGKILL', timedOut: false });
    });

    it('should cap how many processes a command may start, and clean up what it started', async () => {
      const result = await run(
        ['sh', '-c', 'for i in $(seq 1 40); do sleep 30 & echo started $!; done; wait'],
        {
          limits: { timeoutMs: 2_000, maxProcesses: 8 },
        },
      );
      expect(result.limited).toBe(true);
      expect(result.lines.join('\n')).toMatch(/fork|Resource temporarily unavailable|Cannot/i);
      const started = result.lines
        .filter((line) => line.startsWith('stdout: started'))
        .map((line) => Number(line.split(' ').pop()));
      expect(started.length).toBeGreaterThan(0);
      expect(started.length).toBeLessThan(8);
      for (const pid of started) expect(await stopsRunning(pid)).toBe(true);
    });

    it('should remove its cgroups afterwards', async () => {
      const result = await run(['true'], {
        limits: { timeoutMs: 5_000, memoryBytes: 64 << 20, maxProcesses: 16 },
      });
      expect(result.cgroups.length).toBeGreaterThan(0);
      for (const path of result.cgroups) expect(existsSync(path)).toBe(false);
    });
  });
});
