import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildRepository, tenantScope } from '@nimbus/db';
import { startBuilderProcess, type BuilderProcess, git, gitRemote, seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/gateway';

/** An app whose build announces itself, then takes a while: time to act while it runs. */
const SLOW_APP = {
  'package.json': JSON.stringify({
    name: 'slow',
    version: '1.0.0',
    scripts: { build: 'echo build started && sleep 3 && echo build done', start: 'node server.js' },
  }),
  'server.js': 'console.log("hi")\n',
};

describe('builds survive builders and Redis, and stay within their limits', () => {
  let gateway: TestGateway;
  let builder: BuilderProcess;
  let work: string;
  let token: string;

  const remote = (app: string) => gitRemote(gateway.url, token, `acme/prod/${app}`);
  const repository = async (name: string, files: Record<string, string>) => {
    const dir = join(work, name);
    await git(work, 'init', '-q', dir);
    for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
    await git(dir, 'add', '.');
    await git(dir, 'commit', '-qm', name);
    return dir;
  };
  const buildOf = (app: string) => gateway.db.build.findFirstOrThrow({ where: { app: { name: app } } });
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((done) => setTimeout(done, 100));
    }
  };
  const outputSoFar = async (app: string, buildId: string) =>
    (
      await fetch(`${gateway.url}/v1/tenants/acme/namespaces/prod/apps/${app}/builds/${buildId}/output`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).text();

  beforeAll(async () => {
    gateway = await startTestGateway();
    builder = await startBuilderProcess(gateway.env, {
      NIMBUS_BUILD_STALE_AFTER: '2s',
      NIMBUS_BUILD_RESYNC: '500ms',
    });
    work = await mkdtemp(join(tmpdir(), 'nimbus-recovery-'));
    ({ ownerToken: token } = await seedTenant(gateway, 'acme', { prod: ['killed', 'busy', 'orphan'] }));
  });
  afterAll(async () => {
    await builder?.close();
    await gateway?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('should build again, and release once, when its builder is killed mid-build', async () => {
    const dir = await repository('killed', SLOW_APP);
    const pushing = git(dir, 'push', remote('killed'), 'main');
    await until('the build to start', async () => {
      const build = await gateway.db.build.findFirst({ where: { app: { name: 'killed' } } });
      return !!build && (await outputSoFar('killed', build.id)).includes('build started');
    });
    await builder.kill('SIGKILL');
    await builder.restart();

    const push = await pushing;
    expect(push.code).toBe(0);
    expect(push.output).toContain(
      'remote: -----> The builder running this build stopped; building again (attempt 2)',
    );
    expect(push.output).toContain('remote: -----> Released v1');
    expect(await buildOf('killed')).toMatchObject({ status: 'succeeded', attempts: 2, releaseVersion: 1 });
    expect(await gateway.db.release.count({ where: { app: { name: 'killed' } } })).toBe(1);
  });

  it('should stream a running build as server-sent events, and refuse a second build of the same app', async () => {
    const dir = await repository('busy', SLOW_APP);
    const pushing = git(dir, 'push', remote('busy'), 'main');
    await until(
      'the build to be recorded',
      async () => (await gateway.db.build.count({ where: { app: { name: 'busy' } } })) > 0,
    );
    const { id } = await buildOf('busy');
    const events = fetch(`${gateway.url}/v1/tenants/acme/namespaces/prod/apps/busy/builds/${id}/output`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    }).then((response) => response.text());

    const other = await repository('busy-too', { 'index.html': '<p>second</p>' });
    const refused = await git(other, 'push', remote('busy'), 'main');
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(
      'remote:  !     Push rejected: this app already has 1 build(s) running; wait for it to finish',
    );

    expect((await pushing).code).toBe(0);
    const stream = await events;
    expect(stream).toContain('event: line\ndata: "       build started"');
    expect(stream).toContain('data: "-----> Released v1"');
    const end = /event: end\ndata: (.*)\n/.exec(stream)?.[1];
    expect(JSON.parse(end!)).toMatchObject({ id, status: 'succeeded', releaseVersion: 1 });

    // A reader that saw two lines resumes with the third, the build being over by now.
    const resumed = await fetch(
      `${gateway.url}/v1/tenants/acme/namespaces/prod/apps/busy/builds/${id}/output`,
      {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', 'last-event-id': 'line-2' },
      },
    ).then((response) => response.text());
    expect(resumed.startsWith('id: line-3\nevent: line\n')).toBe(true);
    expect(stream.endsWith(resumed.slice(resumed.indexOf('event: end')))).toBe(true);
  });

  it('should pick up a build whose wake-up was lost, since Postgres, not the queue, holds it', async () => {
    const dir = await repository('orphan', { 'index.html': '<p>orphan</p>' });
    const commit = (await git(dir, 'rev-parse', 'HEAD')).output.trim();
    const source = join(gateway.config.NIMBUS_BUILD_SOURCES, 'orphan.tar');
    await git(dir, 'archive', '--format=tar', '-o', source, commit);
    const app = await gateway.db.app.findFirstOrThrow({ where: { name: 'orphan' } });
    // Recorded as the gateway records a push, but no builder is ever woken for it.
    const { id } = await BuildRepository.create(
      gateway.db,
      tenantScope(app.tenantId),
      app.id,
      { commit, ref: 'refs/heads/main', sourcePath: source, actorUserId: null },
      { perApp: 1, perTenant: 10 },
    );
    await until('the stranded build to finish', async () => (await buildOf('orphan')).status === 'succeeded');
    expect(await buildOf('orphan')).toMatchObject({ id, releaseVersion: 1, stack: 'static' });
  });
});
