import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import {
  createTestDatabase,
  createTestRedisPrefix,
  testEnvironment,
  freePort,
  type TestDatabase,
} from '@nimbus/testing';

const MAIN = resolve(__dirname, '../dist/main.js');

// Generous: starting two gateway processes on a loaded machine takes a while.
const eventually = async (check: () => boolean | Promise<boolean>, what: string) => {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (await check()) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The compiled gateway as a real process tree: a supervisor and its workers. */
describe('gateway workers', () => {
  let database: TestDatabase;
  let supervisor: ChildProcess;
  let output = '';

  afterAll(async () => {
    if (supervisor.exitCode === null) supervisor.kill('SIGKILL');
    await database.drop();
  });

  it('should serve from several workers, replace a crashed one and stop them all on SIGTERM', async () => {
    const { TEST_DATABASE_URL, TEST_REDIS_URL } = testEnvironment();
    database = await createTestDatabase(TEST_DATABASE_URL);
    const port = await freePort();
    supervisor = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        NIMBUS_REDIS_PREFIX: createTestRedisPrefix(),
        NIMBUS_MASTER_KEY: randomBytes(32).toString('base64'),
        NIMBUS_GATEWAY_WORKERS: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    supervisor.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    supervisor.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const workerPids = () =>
      [...output.matchAll(/"pid":(\d+)[^\n]*"msg":"gateway listening"/g)].map((match) => Number(match[1]));
    await eventually(() => workerPids().length === 2, 'two workers to listen');
    const [first, second] = workerPids() as [number, number];
    expect(first).not.toBe(second);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    process.kill(first, 'SIGKILL');
    await eventually(() => workerPids().length === 3, 'a replacement worker');
    expect(output).toMatch(/"msg":"gateway worker exited"/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    const exited = new Promise<number | null>((done) => supervisor.once('exit', (code) => done(code)));
    supervisor.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of workerPids()) await eventually(() => !alive(pid), `worker ${pid} to exit`);
  }, 120_000);
});
