import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createNimbusClient, type NimbusClient } from '@nimbus/contracts';
import { createPrismaClient, type DbClient } from '@nimbus/db';
import { createLogger, type Logger } from '@nimbus/logging';
import { createTestDatabase, type TestDatabase } from './test-database';
import { testEnvironment } from './test-environment';
import { createTestRedisPrefix } from './test-redis';

/** The settings a process working beside the gateway must share with it. */
export interface TestGatewayEnv extends Record<string, string> {
  DATABASE_URL: string;
  REDIS_URL: string;
  NIMBUS_REDIS_PREFIX: string;
  NIMBUS_MASTER_KEY: string;
  NIMBUS_BUILD_SOURCES: string;
}

/** What the test gateway needs of the HTTP application the gateway's factory builds. */
export interface ListeningApp {
  listen(port: number, hostname: string): Promise<unknown>;
  getHttpServer(): { address(): AddressInfo | string | null };
  close(): Promise<void>;
}

/** The directories the test gateway creates and removes again; every gateway config has them. */
export interface TestGatewayDirectories {
  NIMBUS_GIT_ROOT: string;
  NIMBUS_BUILD_SOURCES: string;
}

/**
 * The gateway's own code, passed in by the caller: this library never imports an app, so the
 * gateway's tests (and root tests, through `@nimbus/gateway`) hand over its parser and factory.
 */
export interface GatewayLauncher<App extends ListeningApp, Config extends TestGatewayDirectories> {
  parseConfig(env: Record<string, string>): Config;
  createApp(config: Config, logger: Logger): Promise<App>;
}

export interface TestGateway<App extends ListeningApp = ListeningApp, Config = TestGatewayDirectories> {
  url: string;
  /** The application, for services no route reaches yet (the builder's, for instance). */
  app: App;
  config: Config;
  /** The environment it was configured with, for processes that work beside it (builders). */
  env: TestGatewayEnv;
  /** Direct access to the gateway's database, for setup and for inspecting what was stored. */
  db: DbClient;
  database: TestDatabase;
  /** Every log line the gateway wrote so far. */
  logs(): string;
  client(token?: string): NimbusClient;
  close(): Promise<void>;
}

/** A real gateway on a loopback port, with its own database and Redis prefix. */
export async function startTestGateway<App extends ListeningApp, Config extends TestGatewayDirectories>(
  launcher: GatewayLauncher<App, Config>,
  env: Record<string, string> = {},
): Promise<TestGateway<App, Config>> {
  const { TEST_DATABASE_URL, TEST_REDIS_URL } = testEnvironment();
  const database = await createTestDatabase(TEST_DATABASE_URL);
  const rawEnv: TestGatewayEnv = {
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    NIMBUS_REDIS_PREFIX: createTestRedisPrefix(),
    NIMBUS_MASTER_KEY: randomBytes(32).toString('base64'),
    NIMBUS_GIT_ROOT: await mkdtemp(join(tmpdir(), 'nimbus-git-')),
    NIMBUS_BUILD_SOURCES: await mkdtemp(join(tmpdir(), 'nimbus-sources-')),
    LOG_LEVEL: 'debug',
    ...env,
  };
  const config = launcher.parseConfig(rawEnv);
  const lines: string[] = [];
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const app = await launcher.createApp(
    config,
    createLogger({ service: 'gateway', level: 'debug', destination: capture }),
  );
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const db = createPrismaClient(database.url, { poolSize: 2 });
  return {
    url,
    app,
    config,
    env: rawEnv,
    db,
    database,
    logs: () => lines.join(''),
    client: (token) => createNimbusClient(url, token),
    async close() {
      await app.close();
      await db.$disconnect();
      await database.drop();
      await rm(config.NIMBUS_GIT_ROOT, { recursive: true, force: true });
      await rm(config.NIMBUS_BUILD_SOURCES, { recursive: true, force: true });
    },
  };
}
