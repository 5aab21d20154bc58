import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiToken, createUser, git, gitRemote, seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/test-gateway';

describe('git over smart HTTP', () => {
  let gateway: TestGateway;
  let work: string;
  let developer: string;
  let viewer: string;
  let outsider: string;

  const remote = (token: string, path = 'acme/prod/web') => gitRemote(gateway.url, token, path);

  beforeAll(async () => {
    gateway = await startTestGateway({ NIMBUS_GIT_MAX_PUSH_BYTES: String(512 * 1024) });
    work = await mkdtemp(join(tmpdir(), 'nimbus-git-test-'));
    const { ownerToken } = await seedTenant(gateway, 'acme', { prod: ['web'] });
    const api = gateway.client(ownerToken);
    for (const [role, assign] of [
      ['developer', (token: string) => (developer = token)],
      ['viewer', (token: string) => (viewer = token)],
    ] as const) {
      const user = await createUser(gateway.db);
      await api.PUT('/v1/tenants/{tenant}/members/{email}', {
        params: { path: { tenant: 'acme', email: user.email } },
        body: { role },
      });
      assign((await createApiToken(gateway.db, user.id)).token);
    }
    ({ ownerToken: outsider } = await seedTenant(gateway, 'globex'));

    await git(work, 'init', 'app');
    await writeFile(join(work, 'app', 'server.js'), 'console.log("hello")\n');
    await git(join(work, 'app'), 'add', '.');
    await git(join(work, 'app'), 'commit', '-m', 'first');
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    await gateway.close();
  });

  // Pushes here go to a branch that does not deploy: building is the git-push suite's subject.
  it('should accept a push from a developer and serve a clone of it', async () => {
    const push = await git(join(work, 'app'), 'push', remote(developer), 'main:work');
    expect(push).toMatchObject({ code: 0 });
    expect(push.output).toContain(
      'remote: -----> Branch work stored, not deployed: only main or master deploys',
    );
    expect(push.output).toContain('* [new branch]      main -> work');
    const clone = await git(work, 'clone', '--branch', 'work', remote(viewer), 'copy');
    expect(clone.code).toBe(0);
    const log = await git(join(work, 'copy'), 'log', '--format=%s');
    expect(log.output.trim()).toBe('first');
  });

  it('should refuse a push from a viewer', async () => {
    const push = await git(join(work, 'app'), 'push', remote(viewer), 'main:other');
    expect(push.code).not.toBe(0);
    expect(push.output).toMatch(/403/);
  });

  it('should ask for credentials, and refuse a wrong token', async () => {
    const anonymous = await git(work, 'ls-remote', `${gateway.url}/git/acme/prod/web.git`);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.output).toMatch(/Authentication failed|could not read Username/);
    const wrong = await git(work, 'ls-remote', remote(`nmb_${'x'.repeat(43)}`));
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toMatch(/Authentication failed/);
  });

  it("should not reveal another tenant's repository", async () => {
    const other = await git(work, 'ls-remote', remote(outsider));
    expect(other.code).not.toBe(0);
    expect(other.output).toMatch(/not found/);
    const missing = await git(work, 'ls-remote', remote(developer, 'acme/prod/nope'));
    expect(missing.output).toMatch(/not found/);
  });

  it('should refuse a push over the size limit and keep the repository as it was', async () => {
    const big = join(work, 'app', 'blob.bin');
    await writeFile(big, randomBytes(1024 * 1024));
    await git(join(work, 'app'), 'add', 'blob.bin');
    await git(join(work, 'app'), 'commit', '-m', 'big');
    const push = await git(join(work, 'app'), 'push', remote(developer), 'main:work');
    expect(push.code).not.toBe(0);
    expect(push.output).toMatch(/pack exceeds maximum allowed size/);
    const heads = await git(work, 'ls-remote', remote(viewer));
    const [sha] = (await git(join(work, 'app'), 'rev-parse', 'HEAD~1')).output.trim().split('\n');
    expect(heads.output).toContain(`${sha}\trefs/heads/work`);
  });

  it('should remove the repository with its app', async () => {
    const app = await gateway.db.app.findFirstOrThrow({ where: { name: 'web' } });
    const path = join(gateway.config.NIMBUS_GIT_ROOT, app.tenantId, `${app.id}.git`);
    expect(existsSync(path)).toBe(true);
    const owner = await gateway.db.membership.findFirstOrThrow({
      where: { role: 'owner', tenant: { name: 'acme' } },
    });
    const { token } = await createApiToken(gateway.db, owner.userId);
    await gateway.client(token).DELETE('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}', {
      params: { path: { tenant: 'acme', namespace: 'prod', app: 'web' } },
    });
    expect(existsSync(path)).toBe(false);
  });
});
