import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerPreconditions } from '@nimbus/sandbox';
import { startBuilderProcess, type BuilderProcess, git, gitRemote, seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/gateway';

const NODE_APP = {
  'package.json': JSON.stringify({
    name: 'hello',
    version: '1.0.0',
    dependencies: { ms: '2.1.3' },
    scripts: { start: 'node server.js' },
  }),
  'server.js': "console.log(require('ms')(60000));\n",
};

describe('git push deploys', () => {
  let gateway: TestGateway;
  let builder: BuilderProcess;
  let work: string;
  let token: string;
  let appId: string;
  let tenantId: string;

  const api = () => gateway.client(token);
  const path = { tenant: 'acme', namespace: 'prod', app: 'web' };
  const releases = async () =>
    (await api().GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/releases', { params: { path } }))
      .data!;
  const inspect = (reference: string) =>
    JSON.parse(
      execFileSync('skopeo', [
        'inspect',
        `oci:${join(builder.images, tenantId, appId)}:${reference}`,
      ]).toString(),
    ) as { Digest: string; Labels: Record<string, string> };

  /** A fresh repository under `work` with `files` committed on main. */
  const repository = async (name: string, files: Record<string, string>, lockfile = false) => {
    const dir = join(work, name);
    await git(work, 'init', '-q', dir);
    for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
    if (lockfile)
      execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: dir });
    await git(dir, 'add', '.');
    await git(dir, 'commit', '-qm', 'first');
    return dir;
  };
  const head = async (dir: string) => (await git(dir, 'rev-parse', 'HEAD')).output.trim();

  beforeAll(async () => {
    gateway = await startTestGateway({ NIMBUS_GIT_MAX_PUSH_BYTES: String(256 * 1024) });
    builder = await startBuilderProcess(gateway.env);
    work = await mkdtemp(join(tmpdir(), 'nimbus-push-'));
    ({ ownerToken: token } = await seedTenant(gateway, 'acme', {
      prod: ['web', 'failing', 'migrating', 'bulky', 'masked', 'ruby'],
    }));
    await seedTenant(gateway, 'globex', { prod: ['secret'] });
    ({ id: appId, tenantId } = await gateway.db.app.findFirstOrThrow({ where: { name: 'web' } }));
  });
  afterAll(async () => {
    await builder?.close();
    await gateway?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('should build and release each push live, then cut releases for config changes and rollbacks', async () => {
    const dir = await repository('node-app', NODE_APP, true);
    const first = await git(dir, 'push', gitRemote(gateway.url, token, 'acme/prod/web'), 'main');
    expect(first.code).toBe(0);
    expect(first.output).toContain('remote: -----> Node.js app detected');
    expect(first.output).toContain('remote: -----> npm ci');
    expect(first.output).toContain('remote: -----> Released v1');
    expect(first.output).toContain('remote:        http://web.prod.acme.localhost:');
    // Live: the stack was announced well before the release, not all at once at the end.
    const arrival = (text: string) => first.chunks.find((chunk) => chunk.text.includes(text))!.at;
    expect(arrival('Released v1')).toBeGreaterThan(arrival('Node.js app detected'));

    const [v1] = await releases();
    expect(v1).toMatchObject({
      version: 1,
      description: `Deploy ${(await head(dir)).slice(0, 7)}`,
      current: true,
    });
    expect(v1!.processTypes).toEqual({ web: 'npm start' });
    expect(inspect(await head(dir)).Digest).toBe(v1!.imageDigest);

    await writeFile(join(dir, 'server.js'), "console.log('v2', require('ms')(1000));\n");
    await git(dir, 'commit', '-qam', 'second');
    const second = await git(dir, 'push', gitRemote(gateway.url, token, 'acme/prod/web'), 'main');
    expect(second.code).toBe(0);
    expect(second.output).toContain('remote: -----> Restoring cached dependencies (node_modules)');
    expect(second.output).toContain('remote: -----> Released v2');
    const [v2] = await releases();
    expect(inspect(await head(dir)).Digest).toBe(v2!.imageDigest);
    expect(v2!.imageDigest).not.toBe(v1!.imageDigest);

    await api().PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/config', {
      params: { path },
      body: { set: { GREETING: 'hello' } },
    });
    const [v3] = await releases();
    expect(v3).toMatchObject({
      version: 3,
      imageDigest: v2!.imageDigest,
      description: 'Set GREETING config vars',
    });

    const rollback = await api().POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/rollback', {
      params: { path },
      body: { version: 1 },
    });
    expect(rollback.data).toMatchObject({
      version: 4,
      imageDigest: v1!.imageDigest,
      description: 'Rollback to v1',
    });
    const config = await api().GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/config', {
      params: { path },
    });
    expect(config.data!.entries).toEqual([]);

    const builds = (
      await api().GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/builds', { params: { path } })
    ).data!;
    expect(builds.map((build) => [build.status, build.releaseVersion])).toEqual([
      ['succeeded', 2],
      ['succeeded', 1],
    ]);
    const output = await fetch(
      `${gateway.url}/v1/tenants/acme/namespaces/prod/apps/web/builds/${builds[1]!.id}/output`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(await output.text()).toContain('-----> Released v1');
  });

  it('should store other branches without building them', async () => {
    const dir = await repository('branch-app', { 'index.html': '<h1>draft</h1>' });
    const before = await gateway.db.build.count();
    const push = await git(dir, 'push', gitRemote(gateway.url, token, 'acme/prod/web'), 'main:draft');
    expect(push.code).toBe(0);
    expect(push.output).toContain(
      'remote: -----> Branch draft stored, not deployed: only main or master deploys',
    );
    expect(await gateway.db.build.count()).toBe(before);
  });

  it("should give build steps the app's config and the release command its environment, never showing a secret", async () => {
    const secret = 'hunter2-very-secret';
    await api().PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/secrets', {
      params: { path: { ...path, app: 'masked' } },
      body: { set: { API_TOKEN: secret } },
    });
    const dir = await repository('masked', {
      'package.json': JSON.stringify({
        name: 'masked',
        version: '1.0.0',
        scripts: { build: 'echo "building with $API_TOKEN"', start: 'node server.js' },
      }),
      Procfile:
        'web: node server.js\nrelease: echo "release $NIMBUS_RELEASE of $NIMBUS_APP with $API_TOKEN as $(id -u)"\n',
    });
    const push = await git(dir, 'push', gitRemote(gateway.url, token, 'acme/prod/masked'), 'main');
    expect(push.code).toBe(0);
    // In a container as the unprivileged build user where the host has runc (CI must).
    const sandboxed = containerPreconditions().available || process.env.CI === 'true';
    expect(push.output).toContain(
      `remote:        release v1 of masked with [secret] as ${sandboxed ? 10000 : process.getuid?.()}`,
    );
    expect(push.output).toContain('remote:        building with [secret]');
    expect(push.output).not.toContain(secret);
    const build = await gateway.db.build.findFirstOrThrow({ where: { app: { name: 'masked' } } });
    expect(build.output).toContain('with [secret]');
    expect(build.output).not.toContain(secret);
  });

  describe('refusals, each with its reason and no new release', () => {
    const releaseCount = () => gateway.db.release.count();

    it('should refuse a wrong token', async () => {
      const dir = await repository('wrong-token', NODE_APP);
      const before = await releaseCount();
      const push = await git(
        dir,
        'push',
        gitRemote(gateway.url, `nmb_${'x'.repeat(43)}`, 'acme/prod/web'),
        'main',
      );
      expect(push.code).not.toBe(0);
      expect(push.output).toMatch(/Authentication failed/);
      expect(await releaseCount()).toBe(before);
    });

    it("should not let a push reach another tenant's app", async () => {
      const dir = await repository('trespass', NODE_APP);
      const before = await releaseCount();
      const push = await git(dir, 'push', gitRemote(gateway.url, token, 'globex/prod/secret'), 'main');
      expect(push.code).not.toBe(0);
      expect(push.output).toMatch(/repository globex\/prod\/secret.git not found/);
      expect(await releaseCount()).toBe(before);
    });

    it('should reject a push whose build fails, leaving the branch where it was', async () => {
      const dir = await repository('broken', {
        'package.json': JSON.stringify({
          name: 'broken',
          version: '1.0.0',
          scripts: { build: 'echo compiling && exit 3', start: 'node x.js' },
        }),
      });
      const before = await releaseCount();
      const push = await git(dir, 'push', gitRemote(gateway.url, token, 'acme/prod/failing'), 'main');
      expect(push.code).not.toBe(0);
      expect(push.output).toContain('remote:        compiling');
      expect(push.output).toContain('remote:  !     Push rejected: npm run build failed (exit 3)');
      expect(push.output).toContain('[remote rejected] main -> main (pre-receive hook declined)');
      expect(await releaseCount()).toBe(before);
      const heads = await git(dir, 'ls-remote', gitRemote(gateway.url, token, 'acme/prod/failing'));
      expect(heads.output.trim()).toBe('');
      const [build] = (
        await api().GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/builds', {
          params: { path: { ...path, app: 'failing' } },
        })
      ).data!;
      expect(build).toMatchObject({ status: 'failed', failureReason: 'npm run build failed (exit 3)' });
    });

    it('should keep the previous release current when the release command fails', async () => {
      const target = gitRemote(gateway.url, token, 'acme/prod/migrating');
      const dir = await repository('migrating', {
        Procfile: 'web: node server.js\nrelease: echo migrated\n',
      });
      expect((await git(dir, 'push', target, 'main')).output).toContain('remote:        migrated');
      await writeFile(
        join(dir, 'Procfile'),
        'web: node server.js\nrelease: echo "migrating $NIMBUS_RELEASE" && exit 7\n',
      );
      await git(dir, 'commit', '-qam', 'bad migration');
      const before = await releaseCount();
      const push = await git(dir, 'push', target, 'main');
      expect(push.code).not.toBe(0);
      expect(push.output).toContain('remote:        migrating v2');
      expect(push.output).toContain(
        'remote:  !     Push rejected: the release command failed (exit 7); the previous release stays current',
      );
      expect(await releaseCount()).toBe(before);
      const app = await gateway.db.app.findFirstOrThrow({ where: { name: 'migrating' } });
      expect(app.currentReleaseVersion).toBe(1);
    });

    it('should refuse an app Nimbus cannot build, even with a Procfile, naming what it found', async () => {
      const dir = await repository('ruby', {
        Gemfile: "source 'https://rubygems.org'\ngem 'puma'\n",
        Procfile: 'web: bundle exec puma -p $PORT\n',
        'config.ru': 'run ->(env) { [200, {}, ["hi"]] }\n',
      });
      const before = await releaseCount();
      const push = await git(dir, 'push', gitRemote(gateway.url, token, 'acme/prod/ruby'), 'main');
      expect(push.code).not.toBe(0);
      expect(push.output).toContain(
        "remote:  !     Push rejected: found a Ruby app (Gemfile), which Nimbus cannot build: Nimbus has no Ruby toolchain, so the Procfile's commands could not run. " +
          'Nimbus builds Node.js (package.json), Python (requirements.txt or pyproject.toml), a static site (index.html), or a Procfile whose commands need no other toolchain.',
      );
      expect(push.output).toContain('[remote rejected] main -> main (pre-receive hook declined)');
      expect(await releaseCount()).toBe(before);
    });

    it('should refuse a push over the size limit', async () => {
      const noise = execFileSync('head', ['-c', '600000', '/dev/urandom']).toString('base64');
      const dir = await repository('bulky', { 'index.html': 'x', 'noise.txt': noise });
      const before = await gateway.db.build.count();
      const push = await git(dir, 'push', gitRemote(gateway.url, token, 'acme/prod/bulky'), 'main');
      expect(push.code).not.toBe(0);
      expect(push.output).toMatch(/pack exceeds maximum allowed size/);
      expect(await gateway.db.build.count()).toBe(before);
    });
  });
});
