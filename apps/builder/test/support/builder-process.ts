import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@nimbus/testing';

const MAIN = resolve(__dirname, '../../dist/main.js');

/** What a builder shares with the gateway it serves. */
export interface BuilderPeer {
  DATABASE_URL: string;
  REDIS_URL: string;
  NIMBUS_REDIS_PREFIX: string;
  NIMBUS_MASTER_KEY: string;
  NIMBUS_BUILD_SOURCES: string;
}

export interface BuilderProcess {
  /** The image layout directory its images go to (unless a registry was configured). */
  images: string;
  healthUrl: string;
  logs(): string;
  /** Starts it again after `kill`, with the same directories. */
  restart(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  close(): Promise<void>;
}

/** The real builder (`apps/builder/dist/main.js`) as a child process, with its own directories. */
export async function startBuilderProcess(
  peer: BuilderPeer,
  env: Record<string, string> = {},
): Promise<BuilderProcess> {
  const root = await mkdtemp(join(tmpdir(), 'nimbus-builder-'));
  const images = join(root, 'images');
  const port = await freePort();
  let output = '';
  let child: ChildProcess;
  const start = async () => {
    child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        HOME: root,
        PORT: String(port),
        ...peer,
        NIMBUS_BUILD_CACHE: join(root, 'cache'),
        NIMBUS_BUILD_SCRATCH: join(root, 'scratch'),
        NIMBUS_IMAGE_LAYOUT: images,
        LOG_LEVEL: 'debug',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`builder exited (${child.exitCode}):\n${output}`);
      if (output.includes('"builder ready"')) return;
      await new Promise((done) => setTimeout(done, 50));
    }
    throw new Error(`builder did not start:\n${output}`);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    await exited;
  };
  await start();
  return {
    images,
    healthUrl: `http://127.0.0.1:${port}`,
    logs: () => output,
    restart: start,
    kill,
    async close() {
      await kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    },
  };
}
