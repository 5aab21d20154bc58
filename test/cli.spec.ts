import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createUser, type CreatedUser } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/gateway';

/** The built CLI: `npm test` builds first; locally run `npx tsc -b apps/cli` before jest. */
const MAIN = resolve(__dirname, '../apps/cli/dist/main.js');

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** The CLI with only the environment given here: never the developer's own config or token. */
type Cli = (...args: string[]) => Promise<Run>;

const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Asserts success and returns stdout. */
function ok(run: Run): string {
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  return run.stdout;
}

/** Asserts the failure contract: status 1, nothing on stdout, exactly one `error:` line on stderr. */
function failed(run: Run, detail: string | RegExp): void {
  expect(run.status).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(/^error: [^\n]+\n$/);
  expect(run.stderr).toMatch(typeof detail === 'string' ? `error: ${detail}` : detail);
}

const json = <T = unknown>(run: Run): T => JSON.parse(ok(run)) as T;

// Each test spawns a dozen CLI processes; on a loaded machine that outlasts Jest's default.
jest.setTimeout(60_000);

describe('nimbus CLI', () => {
  let gateway: TestGateway;
  let owner: CreatedUser;
  let ownerToken: string;
  let directory: string;

  /** A fresh config path whose parent directory does not exist yet. */
  const configPath = () => join(directory, uniqueName('home'), '.config', 'nimbus', 'config.json');

  function cli(config: string, env: Record<string, string> = {}): Cli {
    return (...args) =>
      new Promise((done) => {
        execFile(
          process.execPath,
          [MAIN, ...args],
          { env: { HOME: directory, NIMBUS_CONFIG: config, ...env }, timeout: 20_000 },
          (error, stdout, stderr) => {
            const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
            done({ status, stdout, stderr });
          },
        );
      });
  }

  /** The owner's session through NIMBUS_API and NIMBUS_TOKEN, with a config file of its own. */
  const asOwner = (config = configPath()) =>
    cli(config, { NIMBUS_API: gateway.url, NIMBUS_TOKEN: ownerToken });

  /** A tenant with namespace prod and app web, created through the API, targeted by the CLI. */
  async function targetedApp(): Promise<{ run: Cli; tenant: string; config: string }> {
    const tenant = uniqueName('t');
    const api = gateway.client(ownerToken);
    await api.POST('/v1/tenants', { body: { name: tenant } });
    await api.POST('/v1/tenants/{tenant}/namespaces', {
      params: { path: { tenant } },
      body: { name: 'prod' },
    });
    await api.POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps', {
      params: { path: { tenant, namespace: 'prod' } },
      body: { name: 'web' },
    });
    const config = configPath();
    const run = asOwner(config);
    ok(await run('target', `${tenant}/prod`));
    return { run, tenant, config };
  }

  beforeAll(async () => {
    expect(existsSync(MAIN)).toBe(true);
    gateway = await startTestGateway();
    owner = await createUser(gateway.db);
    directory = await mkdtemp(join(tmpdir(), 'nimbus-cli-'));
    const login = await gateway
      .client()
      .POST('/v1/auth/login', { body: { email: owner.email, password: owner.password } });
    ownerToken = login.data!.token;
  });

  afterAll(async () => {
    await gateway?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  describe('login and whoami', () => {
    it('should log in with email and password and store the session in a 0600 file', async () => {
      const config = configPath();
      const run = cli(config);

      const out = ok(
        await run('login', '--api', gateway.url, '--email', owner.email, '--password', owner.password),
      );

      expect(out).toBe(`Logged in to ${gateway.url} as ${owner.email}\n`);
      expect((await stat(config)).mode & 0o777).toBe(0o600);
      expect((await stat(dirname(config))).mode & 0o777).toBe(0o700);
      const stored = JSON.parse(await readFile(config, 'utf8')) as { api: string; token: string };
      expect(stored).toEqual({ api: gateway.url, token: expect.any(String) });
      expect((await gateway.client(stored.token).GET('/v1/whoami')).data?.user.email).toBe(owner.email);
      expect(ok(await run('whoami'))).toMatch(new RegExp(`^Email: +${owner.email}$`, 'm'));
      const whoami = json<{ user: { email: string }; token: { kind: string } }>(
        await run('whoami', '--json'),
      );
      expect(whoami).toMatchObject({ user: { email: owner.email }, token: { kind: 'session' } });
    });

    it('should refuse a wrong password with one error line and store nothing', async () => {
      const config = configPath();
      const run = cli(config);

      failed(
        await run('login', '--api', gateway.url, '--email', owner.email, '--password', 'not the password'),
        /^error: /,
      );

      expect(existsSync(config)).toBe(false);
      failed(await run('whoami'), 'not logged in: run `nimbus login');
    });

    it('should say the API cannot be reached, naming its URL', async () => {
      const closedPort = await new Promise<number>((done) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const { port } = server.address() as { port: number };
          server.close(() => done(port));
        });
      });
      const url = `http://127.0.0.1:${closedPort}`;

      failed(
        await cli(configPath())('login', '--api', url, '--token', 'nimbus_whatever'),
        `the Nimbus API cannot be reached at ${url}`,
      );
    });

    it('should let NIMBUS_API and NIMBUS_TOKEN override the file', async () => {
      const stale = join(directory, uniqueName('stale.json'));
      await writeFile(stale, JSON.stringify({ api: 'http://127.0.0.1:1', token: 'revoked' }), {
        mode: 0o600,
      });

      const whoami = json<{ user: { email: string } }>(await asOwner(stale)('whoami', '--json'));

      expect(whoami.user.email).toBe(owner.email);
      failed(await cli(stale)('whoami'), 'the Nimbus API cannot be reached at http://127.0.0.1:1');
    });
  });

  describe('tenants, namespaces and target', () => {
    it('should create a tenant and a namespace with a quota, and target it', async () => {
      const tenant = uniqueName('t');
      const config = configPath();
      const run = asOwner(config);

      expect(ok(await run('tenants:create', tenant))).toBe(`Created tenant ${tenant}\n`);
      expect(ok(await run('tenants'))).toMatch(new RegExp(`^${tenant} +owner +\\d{4}-`, 'm'));
      expect(
        ok(
          await run(
            'namespaces:create',
            'prod',
            '--tenant',
            tenant,
            '--max-instances',
            '5',
            '--max-memory',
            '2048',
          ),
        ),
      ).toBe(`Created namespace ${tenant}/prod (at most 5 instances, 2048 MB of memory)\n`);
      expect(json(await run('namespaces', '--tenant', tenant, '--json'))).toEqual([
        expect.objectContaining({
          name: 'prod',
          tenant,
          quota: { maxInstances: 5, maxMemoryMb: 2048, maxCpuMillis: null },
        }),
      ]);

      expect(ok(await run('target', `${tenant}/prod`))).toBe(`Target is now ${tenant}/prod\n`);

      expect(JSON.parse(await readFile(config, 'utf8'))).toEqual({ target: { tenant, namespace: 'prod' } });
      expect((await stat(config)).mode & 0o777).toBe(0o600);
      ok(await run('namespaces:create', 'staging'));
      const listed = ok(await run('namespaces'));
      expect(listed).toMatch(/^NAME +MAX INSTANCES +MAX MEMORY +CREATED$/m);
      expect(listed).toMatch(/^prod +5 +2048 MB +\d{4}-/m);
      expect(listed).toMatch(/^staging +unlimited +unlimited +\d{4}-/m);
    });

    it('should refuse a target that does not exist and keep the old one', async () => {
      const { run, tenant, config } = await targetedApp();

      failed(await run('target', `${tenant}/nope`), 'namespace "nope" not found');
      failed(await run('target', 'no-slash'), 'invalid namespace reference "no-slash": use TENANT/NAMESPACE');

      expect(JSON.parse(await readFile(config, 'utf8'))).toEqual({ target: { tenant, namespace: 'prod' } });
      expect(ok(await run('target'))).toBe(`${tenant}/prod\n`);
    });

    it('should refuse invalid names with the API detail', async () => {
      failed(
        await asOwner()('tenants:create', 'Not_Valid'),
        /^error: the request is invalid: body\.name must be/,
      );
    });
  });

  describe('apps', () => {
    it('should create, list, show and destroy an app', async () => {
      const { run, tenant } = await targetedApp();

      // The platform's default runtime: oci where runc runs, as here in CI.
      expect(ok(await run('apps:create', 'api'))).toMatch(
        new RegExp(`^Created app api in ${tenant}/prod \\(runtime (oci|process)\\)\n$`),
      );
      const listed = ok(await run('apps'));
      expect(listed).toMatch(/^NAME +STATUS +RELEASE +CONFIG VERSION +CREATED +UPDATED$/m);
      expect(listed).toMatch(/^api +undeployed +- +0 /m);
      expect(listed).toMatch(/^web +undeployed +- +0 /m);
      expect(
        json<{ name: string }[]>(await run('apps', '--json'))
          .map((app) => app.name)
          .sort(),
      ).toEqual(['api', 'web']);
      const info = ok(await run('apps:info', '-a', 'api'));
      expect(info).toMatch(/^Name: +api$/m);
      expect(info).toMatch(new RegExp(`^Tenant: +${tenant}$`, 'm'));
      expect(json(await run('apps:info', '-a', `${tenant}/prod/api`, '--json'))).toMatchObject({
        name: 'api',
        tenant,
        namespace: 'prod',
      });

      expect(ok(await run('apps:destroy', '-a', 'api', '--confirm', 'api'))).toBe(
        `Destroyed app ${tenant}/prod/api\n`,
      );

      failed(await run('apps:info', '-a', 'api'), 'app "api" not found');
    });

    it('should refuse to destroy an app without a matching --confirm', async () => {
      const { run } = await targetedApp();

      failed(await run('apps:destroy', '-a', 'web'), /run again with --confirm web$/m);
      failed(
        await run('apps:destroy', '-a', 'web', '--confirm', 'api'),
        '--confirm "api" does not match app "web"',
      );

      expect(json(await run('apps:info', '-a', 'web', '--json'))).toMatchObject({ name: 'web' });
    });

    it('should report an unknown app, and an app of another tenant, as not found with status 1', async () => {
      const { run, tenant } = await targetedApp();
      const stranger = await createUser(gateway.db);
      const login = await gateway
        .client()
        .POST('/v1/auth/login', { body: { email: stranger.email, password: stranger.password } });
      const asStranger = cli(configPath(), { NIMBUS_API: gateway.url, NIMBUS_TOKEN: login.data!.token });

      failed(await run('apps:info', '-a', 'x'), 'app "x" not found');
      failed(await run('config', '-a', 'x'), 'app "x" not found');
      failed(await asStranger('apps:info', '-a', `${tenant}/prod/web`), `tenant "${tenant}" not found`);
    });

    it('should ask for a target when -a names an app relatively and none is set', async () => {
      const run = asOwner();

      failed(await run('apps:info', '-a', 'web'), /run `nimbus target TENANT\/NAMESPACE`/);
      failed(await run('apps'), /run `nimbus target TENANT\/NAMESPACE`/);
      failed(await run('namespaces'), /--tenant TENANT or run `nimbus target TENANT\/NAMESPACE`/);
    });
  });

  describe('config and secrets', () => {
    it('should set, show and unset config vars of an app', async () => {
      const { run, tenant } = await targetedApp();

      const set = ok(
        await run('config:set', '-a', 'web', 'LOG_LEVEL=debug', 'DATABASE_URL=postgres://u:p@h/db?ssl=true'),
      );

      expect(set).toMatch(
        new RegExp(
          `^Set config vars LOG_LEVEL, DATABASE_URL on app ${tenant}/prod/web \\(config version 1\\)$`,
          'm',
        ),
      );
      expect(ok(await run('config', '-a', 'web'))).toBe(
        `=== app ${tenant}/prod/web config vars\nDATABASE_URL: postgres://u:p@h/db?ssl=true\nLOG_LEVEL:    debug\n`,
      );
      const listed = json<{ scope: string; entries: { key: string; value: string }[] }>(
        await run('config', '-a', 'web', '--json'),
      );
      expect(listed.scope).toBe('app');
      expect(listed.entries.map((entry) => [entry.key, entry.value])).toEqual([
        ['DATABASE_URL', 'postgres://u:p@h/db?ssl=true'],
        ['LOG_LEVEL', 'debug'],
      ]);

      ok(await run('config:unset', '-a', 'web', 'LOG_LEVEL'));

      expect(ok(await run('config', '-a', `${tenant}/prod/web`))).not.toContain('LOG_LEVEL');
    });

    it('should set config at tenant and namespace scope and show where each effective value comes from', async () => {
      const { run, tenant } = await targetedApp();

      ok(await run('config:set', '--tenant', tenant, 'REGION=eu', 'LEVEL=tenant'));
      ok(await run('config:set', '--namespace', `${tenant}/prod`, 'LEVEL=namespace'));
      ok(await run('config:set', '-a', 'web', 'LEVEL=app'));
      ok(await run('secrets:set', '-a', 'web', 'TOKEN=s3cr3t-value'));

      expect(ok(await run('config', '--tenant', tenant))).toBe(
        `=== tenant ${tenant} config vars\nLEVEL:  tenant\nREGION: eu\n`,
      );
      expect(ok(await run('config', '--namespace', `${tenant}/prod`))).toContain('LEVEL: namespace');
      const environment = ok(await run('config:env', '-a', 'web'));
      expect(environment).toMatch(/^KEY +VALUE +SOURCE$/m);
      expect(environment).toMatch(/^LEVEL +app +app \(overrides namespace, tenant\)$/m);
      expect(environment).toMatch(/^REGION +eu +tenant$/m);
      expect(environment).toMatch(/^TOKEN +\*{8} +app secret$/m);
      expect(environment).not.toContain('s3cr3t-value');
      const effective = json<{ entries: { key: string; value: string | null; scope: string }[] }>(
        await run('config:env', '-a', 'web', '--reveal', '--json'),
      );
      expect(effective.entries.map(({ key, value, scope }) => ({ key, value, scope }))).toEqual([
        { key: 'LEVEL', value: 'app', scope: 'app' },
        { key: 'REGION', value: 'eu', scope: 'tenant' },
        { key: 'TOKEN', value: 's3cr3t-value', scope: 'app' },
      ]);

      ok(await run('config:unset', '--namespace', `${tenant}/prod`, 'LEVEL'));
      ok(await run('config:unset', '--tenant', tenant, 'LEVEL', 'REGION'));

      expect(ok(await run('config', '--tenant', tenant))).toBe(`tenant ${tenant} has no config vars.\n`);
      expect(ok(await run('config:env', '-a', 'web'))).toMatch(/^LEVEL +app +app$/m);
    });

    it('should mask secrets unless --reveal is given, and refuse --reveal below admin', async () => {
      const { run, tenant } = await targetedApp();

      const set = ok(await run('secrets:set', '-a', 'web', 'DB_PASSWORD=hunter2-very-secret'));
      ok(await run('secrets:set', '--tenant', tenant, 'SHARED_KEY=tenant-secret'));

      expect(set).toMatch(/^Set secrets DB_PASSWORD on app .*\(config version 1\)$/m);
      expect(set).not.toContain('hunter2');
      expect(ok(await run('secrets', '-a', 'web'))).toBe(
        `=== app ${tenant}/prod/web secrets\nDB_PASSWORD: ********\n`,
      );
      expect(ok(await run('secrets', '-a', 'web', '--reveal'))).toContain('DB_PASSWORD: hunter2-very-secret');
      expect(json(await run('secrets', '-a', 'web', '--json'))).toMatchObject({
        entries: [{ key: 'DB_PASSWORD', value: null, secret: true }],
      });
      expect(ok(await run('secrets', '--tenant', tenant))).toContain('SHARED_KEY: ********');
      expect(ok(await run('config', '-a', 'web'))).not.toContain('DB_PASSWORD');
      const created = json<{ token: string }>(
        await run('tokens:create', '--tenant', tenant, '--role', 'developer', '--json'),
      );
      const developer = cli(configPath(), { NIMBUS_API: gateway.url, NIMBUS_TOKEN: created.token });
      failed(
        await developer('secrets', '-a', `${tenant}/prod/web`, '--reveal'),
        'revealing secrets needs the admin role',
      );

      ok(await run('secrets:unset', '-a', 'web', 'DB_PASSWORD'));

      expect(ok(await run('secrets', '-a', 'web'))).toBe(`app ${tenant}/prod/web has no secrets.\n`);
    });

    it('should refuse a bad KEY=VALUE pair with one line and change nothing', async () => {
      const { run } = await targetedApp();

      failed(
        await run('config:set', '-a', 'web', 'GOOD=1', 'NOEQUALS'),
        '"NOEQUALS" is not a KEY=VALUE pair',
      );
      failed(await run('config:set', '-a', 'web', 'GOOD=1', '=value'), '"=value" has no key before "="');
      failed(await run('secrets:set', '-a', 'web', 'GOOD=1', 'BAD'), '"BAD" is not a KEY=VALUE pair');
      failed(
        await run('config:set', '-a', 'web', 'GOOD=1', '1BAD=x'),
        /^error: the request is invalid: body\.set\.1BAD/,
      );

      expect(json(await run('config', '-a', 'web', '--json'))).toEqual({
        scope: 'app',
        configVersion: 0,
        entries: [],
      });
      expect(json(await run('secrets', '-a', 'web', '--json'))).toEqual({
        scope: 'app',
        configVersion: 0,
        entries: [],
      });
    });

    it('should need exactly one scope', async () => {
      const { run, tenant } = await targetedApp();

      failed(await run('config'), 'name a scope: -a APP, --tenant TENANT or --namespace TENANT/NAMESPACE');
      failed(
        await run('config', '-a', 'web', '--tenant', tenant),
        'use only one of -a, --tenant and --namespace',
      );
    });
  });

  describe('tokens', () => {
    it('should create a token, log in with it, list it and stop working once revoked', async () => {
      const { run, tenant } = await targetedApp();

      const created = json<{ id: string; token: string; name: string; role: string }>(
        await run(
          'tokens:create',
          '--name',
          'ci',
          '--tenant',
          tenant,
          '--namespace',
          'prod',
          '--role',
          'developer',
          '--expires',
          '30d',
          '--json',
        ),
      );
      expect(created).toMatchObject({ name: 'ci', role: 'developer' });
      const config = configPath();
      const ci = cli(config);

      expect(ok(await ci('login', '--api', gateway.url, '--token', created.token))).toBe(
        `Logged in to ${gateway.url} as ${owner.email}\n`,
      );

      expect(JSON.parse(await readFile(config, 'utf8'))).toEqual({ api: gateway.url, token: created.token });
      expect(ok(await ci('whoami'))).toMatch(
        new RegExp(`^Token: +api .* for ${tenant}/prod as developer$`, 'm'),
      );
      expect(ok(await ci('apps:info', '-a', `${tenant}/prod/web`))).toMatch(/^Name: +web$/m);
      expect(ok(await run('tokens'))).toMatch(
        new RegExp(`^${created.id} +ci +api +\\S+ +${tenant}/prod +developer +.* active$`, 'm'),
      );

      expect(ok(await run('tokens:revoke', created.id))).toBe(`Revoked token ci (${created.id})\n`);

      failed(
        await ci('whoami'),
        'a valid, unexpired and unrevoked bearer token is required: run `nimbus login` again',
      );
      expect(json<{ id: string; revokedAt: string | null }[]>(await run('tokens', '--json'))).toContainEqual(
        expect.objectContaining({ id: created.id, revokedAt: expect.any(String) }),
      );
    });

    it('should print a new token once in human output', async () => {
      const out = ok(await asOwner()('tokens:create', '--name', 'deploy', '--expires', '12h'));

      expect(out).toMatch(
        /^Created token deploy \([0-9a-f-]{36}\) for all tenants, expiring .+\.\nCopy it now; it is not shown again:\n\S+\n$/,
      );
    });

    it('should refuse a bad --expires before calling the API', async () => {
      failed(
        await asOwner()('tokens:create', '--expires', 'forever'),
        /argument 'forever' is invalid\. must be a number of hours or days/,
      );
    });
  });

  describe('help and usage errors', () => {
    const commands = [
      'login',
      'whoami',
      'tenants',
      'tenants:create',
      'namespaces',
      'namespaces:create',
      'target',
      'apps',
      'apps:create',
      'apps:info',
      'apps:destroy',
      'config',
      'config:set',
      'config:unset',
      'config:env',
      'secrets',
      'secrets:set',
      'secrets:unset',
      'tokens',
      'tokens:create',
      'tokens:revoke',
      'git:remote',
      'releases',
      'releases:info',
      'rollback',
      'builds',
      'builds:output',
      'apps:update',
      'open',
      'ps',
      'ps:scale',
      'ps:restart',
      'logs',
      'run',
      'nodes',
      'nodes:cordon',
      'nodes:uncordon',
      'nodes:drain',
    ];

    it('should print help for every command with status 0, each offering --json', async () => {
      const run = cli(configPath());
      const runs = await Promise.all(commands.map((command) => run(command, '--help')));

      runs.forEach((result, index) => {
        const out = ok(result);
        expect(out.startsWith(`Usage: nimbus ${commands[index]} `)).toBe(true);
        expect(out).toContain('--json');
      });
    });

    it('should report usage errors as one line', async () => {
      const run = cli(configPath());

      failed(await run('nope'), "unknown command 'nope'");
      failed(await run('apps', '--jsn'), "unknown option '--jsn' (Did you mean --json?)");
      failed(await run('apps:info'), "required option '-a, --app <app>' not specified");
      failed(
        await run('namespaces:create', 'x', '--max-instances', 'lots'),
        /argument 'lots' is invalid\. must be a whole number/,
      );
    });
  });
});
