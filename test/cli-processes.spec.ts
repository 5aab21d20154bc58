import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { appLogKey } from '@nimbus/cluster';
import { tenantScope } from '@nimbus/db';
import { createApiToken, createUser, seedTenant } from '@nimbus/testing';
import { ReleasesService } from '@nimbus/gateway';
import { startTestGateway, type TestGateway } from './support/gateway';
import { NIMBUS_CLI, nimbusEnv, runNimbus, type CliResult } from './support/nimbus-cli';

const DIGEST = `sha256:${'e'.repeat(64)}`;
const MINUTE = 60_000;

/** A CLI run left going, for commands that follow something live. */
interface Running {
  child: ChildProcess;
  stdout(): string;
  exited: Promise<CliResult>;
}

/** Asserts the failure contract: status 1, nothing on stdout, exactly one `error:` line on stderr. */
function failed(result: CliResult, detail: string | RegExp): void {
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^error: [^\n]+\n$/);
  expect(result.stderr).toMatch(typeof detail === 'string' ? `error: ${detail}` : detail);
}

// Each test spawns several CLI processes; on a loaded machine that outlasts Jest's default.
jest.setTimeout(60_000);

describe('nimbus ps, logs, run, nodes and open', () => {
  let gateway: TestGateway;
  let redis: Redis;
  let home: string;
  let app: { id: string; tenantId: string; namespaceId: string };
  let logKey: string;
  let ownerToken: string;
  let adminToken: string;
  let strangerToken: string;
  let up: { id: string };
  let crashed: { id: string };
  let worker: { id: string };
  const running = new Set<ChildProcess>();

  const cli =
    (token: string) =>
    (...args: string[]) =>
      runNimbus({ home, api: gateway.url, token }, args);
  let nimbus: (...args: string[]) => Promise<CliResult>;

  const start = (...args: string[]): Running => {
    const child = spawn(process.execPath, [NIMBUS_CLI, ...args], {
      env: nimbusEnv({ home, api: gateway.url, token: ownerToken }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return {
      child,
      stdout: () => stdout,
      exited: new Promise((done) =>
        child.on('close', (code) => {
          running.delete(child);
          done({ status: code ?? -1, stdout, stderr });
        }),
      ),
    };
  };

  const waitFor = async <T>(probe: () => T | Promise<T>, what: string): Promise<NonNullable<T>> => {
    for (const deadline = Date.now() + 10_000; ;) {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((done) => setTimeout(done, 50));
    }
  };

  /** A log line, appended as the gateway appends what agents send. */
  const appendLog = (
    instance: string,
    type: string,
    stream: 'stdout' | 'stderr',
    line: string,
    at = Date.now(),
  ) =>
    redis.xadd(
      logKey,
      '*',
      'at',
      String(at),
      'type',
      type,
      'instance',
      instance,
      'stream',
      stream,
      'line',
      line,
    );

  const createInstance = (fields: {
    type: string;
    nodeId: string | null;
    phase: 'pending' | 'running' | 'crashloop';
    ready?: boolean;
    restarts?: number;
    reason?: string;
    message?: string;
    memoryMb?: number;
    since: Date;
  }) =>
    gateway.db.instance.create({
      data: {
        tenantId: app.tenantId,
        appId: app.id,
        namespaceId: app.namespaceId,
        processType: fields.type,
        releaseVersion: 1,
        cpuMillis: 250,
        memoryMb: fields.memoryMb ?? 256,
        nodeId: fields.nodeId,
        phase: fields.phase,
        ready: fields.ready ?? false,
        restarts: fields.restarts ?? 0,
        reason: fields.reason ?? null,
        message: fields.message ?? null,
        createdAt: new Date(fields.since.getTime() - 5000),
        startedAt: fields.phase === 'pending' ? null : fields.since,
        readyAt: fields.ready ? fields.since : null,
      },
    });

  const createNode = (name: string, leaseRenewedAt: Date) =>
    gateway.db.node.create({
      data: {
        name,
        tokenHash: randomBytes(32),
        address: '127.0.0.1',
        cpuMillis: 4000,
        memoryMb: 8192,
        runtimes: ['process', 'oci'],
        leaseRenewedAt,
      },
    });

  beforeAll(async () => {
    gateway = await startTestGateway();
    redis = new Redis(gateway.config.REDIS_URL);
    home = await mkdtemp(join(tmpdir(), 'nimbus-cli-processes-'));
    const seeded = await seedTenant(gateway, 'acme', { prod: ['web', 'fresh'] });
    ownerToken = seeded.ownerToken;
    nimbus = cli(ownerToken);
    const admin = await createUser(gateway.db, { platformAdmin: true });
    adminToken = (await createApiToken(gateway.db, admin.id)).token;
    strangerToken = (await seedTenant(gateway, 'other')).ownerToken;

    app = await gateway.db.app.findFirstOrThrow({ where: { name: 'web' } });
    logKey = appLogKey(gateway.config.NIMBUS_REDIS_PREFIX, app.id);
    await gateway.app
      .get(ReleasesService)
      .deploy(
        tenantScope(app.tenantId),
        app.id,
        { digest: DIGEST, processTypes: { web: 'npm start', worker: 'node worker.js' } },
        'Deploy c0ffee1',
        seeded.owner.id,
      );
    const formation = { tenantId: app.tenantId, appId: app.id };
    await gateway.db.formation.createMany({
      data: [
        { ...formation, processType: 'web', replicas: 2 },
        { ...formation, processType: 'worker', replicas: 1, cpuMillis: 500, memoryMb: 512 },
      ],
    });
    await gateway.db.rollout.create({
      data: {
        ...formation,
        releaseVersion: 1,
        status: 'failed',
        reason: 'web did not become ready in 10m',
        deadlineAt: new Date(),
      },
    });
    const node = await createNode('node-1', new Date());
    await createNode('node-2', new Date(Date.now() - 60 * MINUTE));
    up = await createInstance({
      type: 'web',
      nodeId: node.id,
      phase: 'running',
      ready: true,
      since: new Date(Date.now() - 2 * MINUTE - 5000),
    });
    crashed = await createInstance({
      type: 'web',
      nodeId: node.id,
      phase: 'crashloop',
      restarts: 4,
      reason: 'CrashLoopBackOff',
      message: 'exited with 1; restarting in 8s',
      since: new Date(Date.now() - 3 * 3600_000),
    });
    worker = await createInstance({
      type: 'worker',
      nodeId: null,
      phase: 'pending',
      memoryMb: 512,
      since: new Date(),
    });
    expect((await nimbus('target', 'acme/prod')).status).toBe(0);
  });

  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await redis.del(logKey);
    await redis.quit();
    await gateway.close();
    await rm(home, { recursive: true, force: true });
  });

  describe('ps', () => {
    it('should show the formation, the failed rollout and every instance, crash loops with their reason', async () => {
      const { status, stdout, stderr } = await nimbus('ps', '-a', 'web');
      expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
      const lines = stdout.split('\n');
      expect(lines.slice(0, 4)).toEqual([
        'web: 2 × 256 MB, 250m CPU  (npm start)',
        'worker: 1 × 512 MB, 500m CPU  (node worker.js)',
        'Rollout of v1 failed: web did not become ready in 10m',
        '',
      ]);
      expect(lines[4]).toMatch(/^ID +TYPE +STATE +RELEASE +NODE +RESTARTS +SINCE$/);
      const row = (instance: { id: string }) =>
        lines.find((line) => line.startsWith(instance.id.slice(0, 8)));
      expect(row(up)).toMatch(/^\w{8} +web +up +v1 +node-1 +0 +2m ago$/);
      expect(row(crashed)).toMatch(
        /^\w{8} +web +crashed \(CrashLoopBackOff: exited with 1; restarting in 8s\) +v1 +node-1 +4 +3h ago$/,
      );
      expect(row(worker)).toMatch(/^\w{8} +worker +pending +v1 +- +0 +(just now|\d+s ago)$/);
    });

    it('should print the API response with --json', async () => {
      const { status, stdout } = await nimbus('ps', '-a', 'acme/prod/web', '--json');
      expect(status).toBe(0);
      const ps = JSON.parse(stdout) as { release: number; instances: { id: string }[] };
      expect(ps.release).toBe(1);
      expect(ps.instances).toContainEqual(
        expect.objectContaining({
          id: crashed.id,
          state: 'crashed',
          reason: 'CrashLoopBackOff',
          message: 'exited with 1; restarting in 8s',
          restarts: 4,
        }),
      );
    });

    it('should say when an app has no release yet', async () => {
      expect(await nimbus('ps', '-a', 'fresh')).toEqual({
        status: 0,
        stdout: 'fresh has no release yet: push to deploy it.\n',
        stderr: '',
      });
    });

    it("should not show another tenant's app", async () => {
      failed(await cli(strangerToken)('ps', '-a', 'acme/prod/web'), 'tenant "acme" not found');
    });
  });

  describe('ps:scale and ps:restart', () => {
    const formationOf = async () =>
      Object.fromEntries(
        (await gateway.db.formation.findMany({ where: { appId: app.id } })).map((row) => [
          row.processType,
          { replicas: row.replicas, memoryMb: row.memoryMb },
        ]),
      );

    it('should set replicas and memory and print the new formation', async () => {
      expect(await nimbus('ps:scale', '-a', 'web', 'web=3', 'worker=0:1G')).toEqual({
        status: 0,
        stdout:
          'Scaled web:\nweb: 3 × 256 MB, 250m CPU  (npm start)\nworker: 0 × 1024 MB, 500m CPU  (node worker.js)\n',
        stderr: '',
      });
      expect(await formationOf()).toEqual({
        web: { replicas: 3, memoryMb: 256 },
        worker: { replicas: 0, memoryMb: 1024 },
      });
      // A new size replaces the instances of that type, one by one.
      expect((await gateway.db.instance.findUniqueOrThrow({ where: { id: worker.id } })).evicted).toBe(true);

      const formation = JSON.parse(
        (await nimbus('ps:scale', '-a', 'web', 'worker=1', '--json')).stdout,
      ) as unknown;
      expect(formation).toEqual(
        expect.arrayContaining([expect.objectContaining({ type: 'worker', replicas: 1, memoryMb: 1024 })]),
      );
    });

    it('should refuse bad arguments before sending anything', async () => {
      failed(await nimbus('ps:scale', '-a', 'web', 'web=abc'), '"web=abc" is not TYPE=REPLICAS[:MEMORY]');
      // The valid first argument is not sent either: nothing changes.
      failed(await nimbus('ps:scale', '-a', 'web', 'web=7', 'worker=2:lots'), '"worker=2:lots" is not');
      expect((await formationOf())['web']).toEqual({ replicas: 3, memoryMb: 256 });
    });

    it('should pass on what the API refuses: an unknown type, a replica count out of range', async () => {
      failed(
        await nimbus('ps:scale', '-a', 'web', 'clock=1'),
        'no process type clock in v1; its types: web, worker',
      );
      failed(
        await nimbus('ps:scale', '-a', 'web', 'web=1000'),
        /replicas Too big: expected number to be <=100/,
      );
      failed(await nimbus('ps:scale', '-a', 'fresh', 'web=1'), 'fresh has no release yet');
      expect((await formationOf())['web']).toEqual({ replicas: 3, memoryMb: 256 });
    });

    it('should restart the instances of one type, or of all', async () => {
      expect(await nimbus('ps:restart', '-a', 'web', 'web')).toEqual({
        status: 0,
        stdout: 'Restarting 2 web instances of web\n',
        stderr: '',
      });
      const evicted = await gateway.db.instance.findMany({ where: { appId: app.id, evicted: true } });
      expect(evicted.map((instance) => instance.id).sort()).toEqual([up.id, crashed.id, worker.id].sort());

      expect(JSON.parse((await nimbus('ps:restart', '-a', 'acme/prod/web', '--json')).stdout)).toEqual({
        restarting: 3,
      });
      failed(await nimbus('ps:restart', '-a', 'web', 'clock'), 'web has no process type clock');
    });
  });

  describe('logs', () => {
    const base = Date.parse('2026-11-22T05:40:01.123Z');

    beforeAll(async () => {
      await appendLog(up.id, 'web', 'stdout', 'GET / 200', base);
      await appendLog(worker.id, 'worker', 'stdout', 'job 42 done', base + 1000);
      await appendLog(crashed.id, 'web', 'stderr', 'Error: boom', base + 2000);
    });

    it('should print recent lines Heroku-style, filtered by --type and --num', async () => {
      const short = (instance: { id: string }) => instance.id.slice(0, 8);
      expect(await nimbus('logs', '-a', 'web')).toEqual({
        status: 0,
        stdout: [
          `2026-11-22T05:40:01.123Z web.${short(up)}: GET / 200`,
          `2026-11-22T05:40:02.123Z worker.${short(worker)}: job 42 done`,
          `2026-11-22T05:40:03.123Z web.${short(crashed)}: Error: boom`,
          '',
        ].join('\n'),
        stderr: '',
      });
      expect((await nimbus('logs', '-a', 'web', '--type', 'web')).stdout).toBe(
        `2026-11-22T05:40:01.123Z web.${short(up)}: GET / 200\n2026-11-22T05:40:03.123Z web.${short(crashed)}: Error: boom\n`,
      );
      expect((await nimbus('logs', '-a', 'web', '--type', 'web', '-n', '1')).stdout).toBe(
        `2026-11-22T05:40:03.123Z web.${short(crashed)}: Error: boom\n`,
      );
      expect(
        JSON.parse((await nimbus('logs', '-a', 'acme/prod/web', '--num', '1', '--json')).stdout),
      ).toEqual([
        {
          at: '2026-11-22T05:40:03.123Z',
          type: 'web',
          instance: crashed.id,
          stream: 'stderr',
          line: 'Error: boom',
        },
      ]);
    });

    it('should refuse a bad --num with one error line', async () => {
      failed(await nimbus('logs', '-a', 'web', '--num', 'all'), /must be a whole number from 1 to 10000/);
      failed(await cli(strangerToken)('logs', '-a', 'acme/prod/web'), 'tenant "acme" not found');
    });

    it('should follow new lines with --tail until Ctrl-C', async () => {
      const tail = start('logs', '-a', 'web', '--tail', '--type', 'web', '--num', '1');
      await waitFor(() => tail.stdout().includes('Error: boom'), 'the recent line');
      await appendLog(worker.id, 'worker', 'stdout', 'not a web line');
      await appendLog(up.id, 'web', 'stdout', 'GET /health 200', base + 10_000);
      await waitFor(() => tail.stdout().includes('GET /health 200'), 'the new line');
      tail.child.kill('SIGINT');

      expect(await tail.exited).toEqual({
        status: 0,
        stdout: `2026-11-22T05:40:03.123Z web.${crashed.id.slice(0, 8)}: Error: boom\n2026-11-22T05:40:11.123Z web.${up.id.slice(0, 8)}: GET /health 200\n`,
        stderr: '',
      });
    });
  });

  describe('run', () => {
    const oneOffs = new Set<string>();

    /** The one-off the CLI just created, once it exists. */
    const newOneOff = () =>
      waitFor(async () => {
        const found = await gateway.db.instance.findFirst({
          where: { appId: app.id, kind: 'oneoff', id: { notIn: [...oneOffs] } },
        });
        if (found) oneOffs.add(found.id);
        return found;
      }, 'the one-off instance');

    it("should attach the one-off's stdout and stderr and exit with its status", async () => {
      const run = start('run', '-a', 'web', '--', 'node', '-e', 'process.exit(3)');
      const instance = await newOneOff();
      expect(instance).toMatchObject({
        processType: 'run',
        command: "node -e 'process.exit(3)'",
        releaseVersion: 1,
      });

      // What the agent does: the output first, then the exit.
      await appendLog(instance.id, 'run', 'stdout', 'about to exit');
      await appendLog(up.id, 'web', 'stdout', 'someone else');
      await appendLog(instance.id, 'run', 'stderr', 'exiting with 3');
      await gateway.db.instance.update({
        where: { id: instance.id },
        data: { phase: 'exited', exitCode: 3, reason: 'Error', finishedAt: new Date() },
      });

      expect(await run.exited).toEqual({ status: 3, stdout: 'about to exit\n', stderr: 'exiting with 3\n' });
    });

    it('should print the instance and its output with --json, and exit 0 when it does', async () => {
      const run = start('run', '--json', '-a', 'acme/prod/web', 'echo hello && ls -la');
      const instance = await newOneOff();
      expect(instance.command).toBe('echo hello && ls -la');
      await appendLog(instance.id, 'run', 'stdout', 'hello');
      await gateway.db.instance.update({
        where: { id: instance.id },
        data: { phase: 'exited', exitCode: 0, reason: 'Completed', finishedAt: new Date() },
      });

      const { status, stdout, stderr } = await run.exited;
      expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
      expect(JSON.parse(stdout)).toMatchObject({
        id: instance.id,
        state: 'exited',
        exitCode: 0,
        output: [{ instance: instance.id, stream: 'stdout', line: 'hello' }],
      });
    });

    it('should fail with the reason when the one-off could not run', async () => {
      const run = start('run', '-a', 'web', '--', 'nope');
      const instance = await newOneOff();
      await gateway.db.instance.update({
        where: { id: instance.id },
        data: { phase: 'failed', reason: 'StartError', message: 'runc: exec failed', finishedAt: new Date() },
      });

      expect(await run.exited).toEqual({
        status: 1,
        stdout: '',
        stderr: `error: run.${instance.id.slice(0, 8)} failed (StartError: runc: exec failed)\n`,
      });
    });

    it('should say so when the platform killed the one-off, and still return its status', async () => {
      const run = start('run', '-a', 'web', '--', 'node', '-e', '"x".repeat(1e10)');
      const instance = await newOneOff();
      await gateway.db.instance.update({
        where: { id: instance.id },
        data: { phase: 'exited', exitCode: 137, reason: 'OOMKilled', finishedAt: new Date() },
      });

      expect(await run.exited).toEqual({
        status: 137,
        stdout: '',
        stderr: `error: run.${instance.id.slice(0, 8)} was killed: it ran out of memory (OOMKilled)\n`,
      });
    });

    it('should stop following on Ctrl-C and say the one-off keeps running', async () => {
      const run = start('run', '-a', 'web', '--', 'sleep', '600');
      const instance = await newOneOff();
      await appendLog(instance.id, 'run', 'stdout', 'started');
      await waitFor(() => run.stdout().includes('started'), 'the first line');
      run.child.kill('SIGINT');

      const { status, stdout, stderr } = await run.exited;
      expect({ status, stdout }).toEqual({ status: 130, stdout: 'started\n' });
      expect(stderr).toBe(
        `error: stopped following run.${instance.id.slice(0, 8)}, which keeps running: \`nimbus ps -a web\` shows it\n`,
      );
      expect((await gateway.db.instance.findUniqueOrThrow({ where: { id: instance.id } })).desiredState).toBe(
        'running',
      );
    });

    it('should refuse an app with no release, an empty command, and a stranger', async () => {
      failed(await nimbus('run', '-a', 'fresh', '--', 'ls'), 'fresh has no release yet');
      failed(await nimbus('run', '-a', 'web', '--', ''), 'name the command to run');
      failed(await cli(strangerToken)('run', '-a', 'acme/prod/web', '--', 'ls'), 'tenant "acme" not found');
      expect(await gateway.db.instance.count({ where: { kind: 'oneoff' } })).toBe(oneOffs.size);
    });
  });

  describe('nodes', () => {
    const asAdmin = (...args: string[]) => cli(adminToken)(...args);
    const flags = async (name: string) => {
      const { cordoned, draining } = await gateway.db.node.findUniqueOrThrow({ where: { name } });
      return { cordoned, draining };
    };

    it('should list the nodes for a platform administrator', async () => {
      // Its agent renews the lease every few seconds; here, the test does.
      await gateway.db.node.update({ where: { name: 'node-1' }, data: { leaseRenewedAt: new Date() } });
      const { status, stdout, stderr } = await asAdmin('nodes');
      expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^NAME +STATUS +CPU +MEMORY +INSTANCES +RUNTIMES +ADDRESS +LEASE RENEWED$/);
      // Its instances: the two web ones (the worker was never placed).
      expect(lines[1]).toMatch(/^node-1 +Ready +500m\/4000m +512\/8192 MB +2 +process,oci +127\.0\.0\.1 +/);
      expect(lines[2]).toMatch(
        /^node-2 +NotReady +0m\/4000m +0\/8192 MB +0 +process,oci +127\.0\.0\.1 +1h ago$/,
      );
      const nodes = JSON.parse((await asAdmin('nodes', '--json')).stdout) as { name: string }[];
      expect(nodes.map((node) => node.name)).toEqual(['node-1', 'node-2']);
    });

    it('should refuse anyone else with one error line', async () => {
      failed(await nimbus('nodes'), /^error: nodes are managed by platform administrators/);
      failed(await nimbus('nodes:cordon', 'node-1'), /^error: nodes are managed by platform administrators/);
      expect(await flags('node-1')).toEqual({ cordoned: false, draining: false });
    });

    it('should cordon, drain and uncordon a node', async () => {
      expect(await asAdmin('nodes:cordon', 'node-2')).toEqual({
        status: 0,
        stdout: 'Cordoned node node-2: no new instances are placed on it\n',
        stderr: '',
      });
      expect(await flags('node-2')).toEqual({ cordoned: true, draining: false });
      expect((await asAdmin('nodes')).stdout).toMatch(/^node-2 +NotReady,SchedulingDisabled /m);

      expect((await asAdmin('nodes:drain', 'node-1')).stdout).toBe(
        'Draining node node-1: its 2 instances move elsewhere\n',
      );
      expect(await flags('node-1')).toEqual({ cordoned: true, draining: true });

      const node = JSON.parse((await asAdmin('nodes:uncordon', 'node-1', '--json')).stdout) as unknown;
      expect(node).toMatchObject({ name: 'node-1', cordoned: false, draining: false });
      expect(await flags('node-1')).toEqual({ cordoned: false, draining: false });
      failed(await asAdmin('nodes:drain', 'node-9'), 'node "node-9" not found');
    });
  });

  describe('open and apps', () => {
    it("should print the app's URL", async () => {
      const { data } = await gateway
        .client(ownerToken)
        .GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}', {
          params: { path: { tenant: 'acme', namespace: 'prod', app: 'web' } },
        });
      expect(data?.url).toMatch(/^http:\/\/web\.prod\.acme\.localhost(:\d+)?\/$/);
      expect(await nimbus('open', '-a', 'web')).toEqual({ status: 0, stdout: `${data?.url}\n`, stderr: '' });
      expect(JSON.parse((await nimbus('open', '-a', 'acme/prod/web', '--json')).stdout)).toEqual({
        url: data?.url,
      });
      failed(await nimbus('open', '-a', 'nope'), 'app "nope" not found');
    });

    it('should create an app with the oci runtime, show it and change it back', async () => {
      expect(await nimbus('apps:create', 'boxed', '--runtime', 'oci')).toEqual({
        status: 0,
        stdout: 'Created app boxed in acme/prod (runtime oci)\n',
        stderr: '',
      });
      const stored = () => gateway.db.app.findFirstOrThrow({ where: { name: 'boxed' } });
      expect((await stored()).runtime).toBe('oci');
      const info = (await nimbus('apps:info', '-a', 'boxed')).stdout;
      expect(info).toMatch(/^Runtime: +oci$/m);
      expect(info).toMatch(/^Release: +-$/m);
      expect(info).toMatch(/^URL: +http:\/\/boxed\.prod\.acme\.localhost(:\d+)?\/$/m);
      expect((await nimbus('apps:info', '-a', 'web')).stdout).toMatch(/^Release: +v1$/m);

      expect((await nimbus('apps:update', '-a', 'boxed', '--runtime', 'process')).stdout).toBe(
        'boxed now runs with the process runtime\n',
      );
      expect((await stored()).runtime).toBe('process');
      failed(await nimbus('apps:create', 'other', '--runtime', 'vm'), /argument 'vm' is invalid/);
    });
  });
});
