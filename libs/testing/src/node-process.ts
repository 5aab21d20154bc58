import { spawn, type ChildProcess } from 'node:child_process';

export interface NodeProcessOptions {
  /** The compiled entry point (e.g. apps/agent/dist/main.js). */
  script: string;
  /** Its whole environment besides PATH: nothing of the test runner's leaks in. */
  env: Record<string, string>;
  /** Printed once it is ready: a log message (matched inside its JSON line). */
  readyMessage: string;
  startTimeoutMs?: number;
}

export interface NodeProcess {
  readonly pid: number;
  logs(): string;
  /** Starts it again (after `kill`), with the same environment. */
  restart(): Promise<void>;
  /** Sends `signal` and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  running(): boolean;
}

/** One of Nimbus' own processes, run for real as a child process in a test. */
export async function startNodeProcess(options: NodeProcessOptions): Promise<NodeProcess> {
  let output = '';
  let child: ChildProcess;
  const start = async () => {
    child = spawn(process.execPath, [options.script], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const seen = output.length;
    const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`${options.script} exited (${child.exitCode}):\n${output}`);
      if (output.slice(seen).includes(`"msg":"${options.readyMessage}"`)) return;
      await new Promise((done) => setTimeout(done, 50));
    }
    throw new Error(`${options.script} did not start:\n${output}`);
  };
  await start();
  return {
    get pid() {
      return child.pid as number;
    },
    logs: () => output,
    restart: start,
    running: () => child.exitCode === null && child.signalCode === null,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill(signal);
      await exited;
    },
  };
}
