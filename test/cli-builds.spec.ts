import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BuildOutputStream } from '@nimbus/queue';
import { seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/gateway';
import { NIMBUS_CLI, nimbusEnv, runNimbus, type CliResult, type CliUser } from './support/nimbus-cli';

const DIGEST = `sha256:${'d'.repeat(64)}`;

/** A CLI run left going, for commands that follow something live. */
interface Running {
  stdout(): string;
  exited: Promise<CliResult>;
}

describe('nimbus builds and builds:output', () => {
  let gateway: TestGateway;
  let redis: Redis;
  let stream: BuildOutputStream;
  let home: string;
  let user: CliUser;
  let app: { id: string; tenantId: string };
  let actorUserId: string;
  let nimbus: (...args: string[]) => Promise<CliResult>;

  const start = (...args: string[]): Running => {
    const child = spawn(process.execPath, [NIMBUS_CLI, ...args], {
      env: nimbusEnv(user),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return {
      stdout: () => stdout,
      exited: new Promise((done) => child.on('close', (code) => done({ status: code ?? 1, stdout, stderr }))),
    };
  };

  const waitFor = async (condition: () => boolean, what: string) => {
    for (const deadline = Date.now() + 10_000; !condition();) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((done) => setTimeout(done, 50));
    }
  };

  const createBuild = (fields: {
    status: 'queued' | 'building' | 'succeeded' | 'failed';
    commit: string;
    createdAt: Date;
    output?: string;
    failureReason?: string;
    releaseVersion?: number;
    seconds?: number;
  }) =>
    gateway.db.build.create({
      data: {
        tenantId: app.tenantId,
        appId: app.id,
        commit: fields.commit.padEnd(40, '0'),
        ref: 'refs/heads/main',
        sourcePath: join(gateway.config.NIMBUS_BUILD_SOURCES, `${fields.commit}.tar`),
        status: fields.status,
        output: fields.output ?? '',
        failureReason: fields.failureReason ?? null,
        releaseVersion: fields.releaseVersion ?? null,
        imageDigest: fields.releaseVersion ? DIGEST : null,
        stack: 'node',
        attempts: fields.status === 'queued' ? 0 : 1,
        actorUserId,
        createdAt: fields.createdAt,
        startedAt: fields.status === 'queued' ? null : fields.createdAt,
        finishedAt:
          fields.seconds === undefined ? null : new Date(fields.createdAt.getTime() + fields.seconds * 1000),
      },
    });

  let succeeded: { id: string };
  let failed: { id: string };

  beforeAll(async () => {
    gateway = await startTestGateway();
    redis = new Redis(gateway.config.REDIS_URL);
    stream = new BuildOutputStream(redis, gateway.config.NIMBUS_REDIS_PREFIX);
    home = await mkdtemp(join(tmpdir(), 'nimbus-cli-builds-'));
    const { owner, ownerToken } = await seedTenant(gateway, 'acme', { prod: ['web'] });
    actorUserId = owner.id;
    user = { home, api: gateway.url, token: ownerToken };
    nimbus = (...args) => runNimbus(user, args);
    app = await gateway.db.app.findFirstOrThrow({ where: { name: 'web' } });
    succeeded = await createBuild({
      status: 'succeeded',
      commit: 'c0ffee1',
      createdAt: new Date('2030-01-01T10:00:00Z'),
      output: '-----> Node.js app detected\n-----> Released v1\n',
      releaseVersion: 1,
      seconds: 42.5,
    });
    failed = await createBuild({
      status: 'failed',
      commit: 'badc0de',
      createdAt: new Date('2030-01-01T11:00:00Z'),
      output: '-----> Node.js app detected\nnpm ERR! missing lockfile\n',
      failureReason: 'npm ci exited with status 1',
      seconds: 125,
    });
    expect((await nimbus('target', 'acme/prod')).status).toBe(0);
  });
  afterAll(async () => {
    await redis.quit();
    await gateway.close();
    await rm(home, { recursive: true, force: true });
  });

  it('should list builds newest first, in the target when -a names only the app', async () => {
    const { status, stdout, stderr } = await nimbus('builds', '-a', 'web');
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID +STATUS +COMMIT +RELEASE +BY +CREATED +DURATION$/);
    expect(lines[1]).toMatch(
      new RegExp(`^${failed.id} +failed +badc0de +- +\\S+@example\\.test +2030-01-01 11:00 UTC +2m 05s$`),
    );
    expect(lines[2]).toMatch(
      new RegExp(
        `^${succeeded.id} +succeeded +c0ffee1 +v1 +\\S+@example\\.test +2030-01-01 10:00 UTC +42\\.5s$`,
      ),
    );
  });

  it('should print the builds as JSON, as many as --num asks', async () => {
    const { status, stdout } = await nimbus('builds', '-a', 'acme/prod/web', '--num', '1', '--json');
    expect(status).toBe(0);
    const builds = JSON.parse(stdout) as { id: string; status: string; durationSeconds: number }[];
    expect(builds).toEqual([
      expect.objectContaining({ id: failed.id, status: 'failed', durationSeconds: 125 }),
    ]);
  });

  it("should print a finished build's stored output", async () => {
    expect(await nimbus('builds:output', '-a', 'acme/prod/web', succeeded.id)).toEqual({
      status: 0,
      stdout: '-----> Node.js app detected\n-----> Released v1\n',
      stderr: '',
    });
    const build = JSON.parse(
      (await nimbus('builds:output', '-a', 'acme/prod/web', succeeded.id, '--json')).stdout,
    ) as Record<string, unknown>;
    expect(build).toMatchObject({
      id: succeeded.id,
      status: 'succeeded',
      releaseVersion: 1,
      output: '-----> Node.js app detected\n-----> Released v1\n',
    });
  });

  it("should print a failed build's output and fail with its reason", async () => {
    expect(await nimbus('builds:output', '-a', 'acme/prod/web', failed.id)).toEqual({
      status: 1,
      stdout: '-----> Node.js app detected\nnpm ERR! missing lockfile\n',
      stderr: 'error: build failed: npm ci exited with status 1\n',
    });
  });

  it('should follow a running build line by line and exit 0 when it succeeds', async () => {
    const build = await createBuild({ status: 'building', commit: 'fee1900', createdAt: new Date() });
    const run = start('builds:output', '-a', 'acme/prod/web', build.id);

    await stream.append(build.id, '-----> Installing dependencies');
    // The build is still running: this line can only have come live, not from the stored output.
    await waitFor(() => run.stdout().includes('Installing dependencies'), 'the first line');
    await stream.append(build.id, '-----> Build succeeded');
    await gateway.db.build.update({
      where: { id: build.id },
      data: {
        status: 'succeeded',
        finishedAt: new Date(),
        output: '-----> Installing dependencies\n-----> Build succeeded\n',
      },
    });
    await stream.end(build.id, 'succeeded');

    expect(await run.exited).toEqual({
      status: 0,
      stdout: '-----> Installing dependencies\n-----> Build succeeded\n',
      stderr: '',
    });
  });

  it('should follow a queued build that then fails, print it as JSON at the end and fail', async () => {
    const build = await createBuild({ status: 'queued', commit: 'dead000', createdAt: new Date() });
    const run = start('builds:output', '-a', 'acme/prod/web', build.id, '--json');
    // Nothing is printed before the end with --json: the access log tells when the CLI saw it queued.
    const seenQueued = `"path":"/v1/tenants/acme/namespaces/prod/apps/web/builds/${build.id}"`;
    await waitFor(() => gateway.logs().includes(seenQueued), 'the CLI to read the build');

    await stream.append(build.id, '-----> Procfile missing');
    await gateway.db.build.update({
      where: { id: build.id },
      data: {
        status: 'failed',
        finishedAt: new Date(),
        failureReason: 'no Procfile and no stack detected',
        output: '-----> Procfile missing\n',
      },
    });
    await stream.end(build.id, 'failed');

    const { status, stdout, stderr } = await run.exited;
    expect(status).toBe(1);
    expect(stderr).toBe('error: build failed: no Procfile and no stack detected\n');
    expect(JSON.parse(stdout)).toMatchObject({
      id: build.id,
      status: 'failed',
      output: '-----> Procfile missing\n',
    });
  });

  it('should refuse an unknown build or app with one error line', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await nimbus('builds:output', '-a', 'acme/prod/web', unknown)).toEqual({
      status: 1,
      stdout: '',
      stderr: `error: build "${unknown}" not found\n`,
    });
    expect((await nimbus('builds:output', '-a', 'acme/prod/web', 'latest')).stderr).toBe(
      'error: build "latest" not found\n',
    );
    expect(await nimbus('builds', '-a', 'acme/prod/nope')).toEqual({
      status: 1,
      stdout: '',
      stderr: 'error: app "nope" not found\n',
    });
    expect((await nimbus('builds:output', '-a', 'acme/prod/nope', succeeded.id)).stderr).toBe(
      'error: app "nope" not found\n',
    );
  });
});
