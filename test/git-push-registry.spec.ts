import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startRegistry,
  type TestRegistry,
  startBuilderProcess,
  type BuilderProcess,
  git,
  gitRemote,
  seedTenant,
} from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/gateway';

describe('git push deploys to an OCI distribution registry', () => {
  let registry: TestRegistry;
  let gateway: TestGateway;
  let builder: BuilderProcess;
  let work: string;

  beforeAll(async () => {
    registry = await startRegistry({ user: { username: 'nimbus', password: 'registry-pass' } });
    gateway = await startTestGateway();
    builder = await startBuilderProcess(gateway.env, {
      NIMBUS_REGISTRY_URL: registry.url,
      NIMBUS_REGISTRY_USERNAME: 'nimbus',
      NIMBUS_REGISTRY_PASSWORD: 'registry-pass',
    });
    work = await mkdtemp(join(tmpdir(), 'nimbus-push-registry-'));
  });
  afterAll(async () => {
    await builder?.close();
    await gateway?.close();
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('should push the image to the registry under the app, where skopeo finds the released digest', async () => {
    const { ownerToken } = await seedTenant(gateway, 'acme', { prod: ['site'] });
    await git(work, 'init', '-q', 'site');
    const dir = join(work, 'site');
    await writeFile(join(dir, 'index.html'), '<h1>registry</h1>\n');
    await git(dir, 'add', '.');
    await git(dir, 'commit', '-qm', 'first');
    const push = await git(dir, 'push', gitRemote(gateway.url, ownerToken, 'acme/prod/site'), 'main');
    expect(push.code).toBe(0);
    expect(push.output).toContain('remote: -----> Released v1');

    const app = await gateway.db.app.findFirstOrThrow({ where: { name: 'site' } });
    const release = await gateway.db.release.findFirstOrThrow({ where: { appId: app.id, version: 1 } });
    const commit = (await git(dir, 'rev-parse', 'HEAD')).output.trim();
    const inspected = JSON.parse(
      execFileSync('skopeo', [
        'inspect',
        '--tls-verify=false',
        '--creds',
        'nimbus:registry-pass',
        `docker://${registry.host}/${app.tenantId}/${app.id}:${commit}`,
      ]).toString(),
    ) as { Digest: string; Labels: Record<string, string> };
    expect(inspected.Digest).toBe(release.imageDigest);
    expect(JSON.parse(inspected.Labels['dev.nimbus.process-types'] as string)).toEqual({
      web: 'node /nimbus/static-server.mjs',
    });
  });
});
