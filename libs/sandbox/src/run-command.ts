import { spawn } from 'node:child_process';
import { createCgroup } from './cgroups';
import { streamLines } from './stream-lines';

export interface RunLimits {
  /** Wall-clock time before the whole process tree is killed. */
  timeoutMs: number;
  memoryBytes?: number;
  /** Processes and threads at once: stops fork bombs. */
  maxProcesses?: number;
}

export interface RunOptions {
  /** argv; no shell is involved unless the command is one. */
  command: string[];
  cwd: string;
  /** The whole environment: nothing is inherited, so the platform's own secrets never leak in. */
  env: Record<string, string>;
  limits: RunLimits;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Killed by the kernel for exceeding its memory limit. */
  oomKilled: boolean;
  durationMs: number;
  /** Whether memory and process limits could be enforced on this host (cgroups). */
  limited: boolean;
  /** The cgroups the run was confined in, removed by the time this returns. */
  cgroups: string[];
}

// Joins every cgroup named before `--`, then becomes the command: nothing runs outside the limits.
const JOIN_THEN_EXEC = 'while [ "$1" != "--" ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';

/**
 * Runs untrusted code (build steps, release commands) as a process group with a time limit and,
 * where the host has cgroups, memory and process limits; streams its output line by line. When
 * it ends, on its own or killed, nothing it started is left running.
 */
export async function runCommand({ command, cwd, env, limits, onLine }: RunOptions): Promise<RunResult> {
  if (command.length === 0) throw new Error('runCommand needs a command');
  const wantsCgroup = limits.memoryBytes !== undefined || limits.maxProcesses !== undefined;
  const cgroup = wantsCgroup ? await createCgroup(limits) : null;
  const argv = cgroup
    ? ['/bin/sh', '-c', JOIN_THEN_EXEC, 'sh', ...cgroup.procsFiles, '--', ...command]
    : command;
  const started = performance.now();
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let timedOut = false;
  const killTree = () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killTree();
  }, limits.timeoutMs);

  const lines = streamLines(child, onLine);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code, signal) => done({ code, signal }));
  }).finally(() => clearTimeout(timer));
  // Whatever the command left behind in its group dies with it.
  killTree();
  await lines;

  let oomKilled = false;
  if (cgroup) {
    // Including what left the process group (setsid) but cannot leave the cgroup.
    for (let attempt = 0; attempt < 20; attempt++) {
      const remaining = await cgroup.pids();
      if (remaining.length === 0) break;
      for (const pid of remaining) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Exited meanwhile.
        }
      }
      await new Promise((done) => setTimeout(done, 25));
    }
    oomKilled = await cgroup.oomKilled();
    await cgroup.destroy();
  }
  return {
    exitCode: exit.code,
    signal: exit.signal,
    timedOut,
    oomKilled,
    durationMs: Math.round(performance.now() - started),
    limited: cgroup !== null,
    cgroups: cgroup?.paths ?? [],
  };
}
