import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './free-port';
import { startNodeProcess } from './node-process';

// Started as a process by its compiled entry (from src/ under Jest, or from dist/): no import of the app.
const MAIN = resolve(__dirname, '../../../apps/builder/dist/main.js');

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
  const builder = await startNodeProcess({
    script: MAIN,
    readyMessage: 'builder ready',
    env: {
      HOME: root,
      PORT: String(port),
      DATABASE_URL: peer.DATABASE_URL,
      REDIS_URL: peer.REDIS_URL,
      NIMBUS_REDIS_PREFIX: peer.NIMBUS_REDIS_PREFIX,
      NIMBUS_MASTER_KEY: peer.NIMBUS_MASTER_KEY,
      NIMBUS_BUILD_SOURCES: peer.NIMBUS_BUILD_SOURCES,
      NIMBUS_BUILD_CACHE: join(root, 'cache'),
      NIMBUS_BUILD_SCRATCH: join(root, 'scratch'),
      NIMBUS_IMAGE_LAYOUT: images,
      LOG_LEVEL: 'debug',
      ...env,
    },
  });
  return {
    images,
    healthUrl: `http://127.0.0.1:${port}`,
    logs: builder.logs,
    restart: builder.restart,
    kill: builder.kill,
    async close() {
      await builder.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    },
  };
}
