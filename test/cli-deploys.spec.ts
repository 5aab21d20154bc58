import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tenantScope } from '@nimbus/db';
import { ReleasesService } from '@nimbus/gateway';
import { seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/gateway';
import { runNimbus, type CliResult } from './support/nimbus-cli';

const DIGEST = `sha256:${'c'.repeat(64)}`;

describe('nimbus releases, releases:info, rollback and git:remote', () => {
  let gateway: TestGateway;
  let home: string;
  let nimbus: (...args: string[]) => Promise<CliResult>;

  beforeAll(async () => {
    gateway = await startTestGateway();
    home = await mkdtemp(join(tmpdir(), 'nimbus-cli-releases-'));
    const { owner, ownerToken } = await seedTenant(gateway, 'acme', { prod: ['web'] });
    nimbus = (...args) => runNimbus({ home, api: gateway.url, token: ownerToken }, args);
    const app = await gateway.db.app.findFirstOrThrow({ where: { name: 'web' } });
    await gateway.app
      .get(ReleasesService)
      .deploy(
        tenantScope(app.tenantId),
        app.id,
        { digest: DIGEST, processTypes: { web: 'npm start' } },
        'Deploy c0ffee1',
        owner.id,
      );
    await nimbus('config:set', '-a', 'acme/prod/web', 'LOG_LEVEL=debug');
  });
  afterAll(async () => {
    await gateway.close();
    await rm(home, { recursive: true, force: true });
  });

  it('should list releases newest first, marking the current one', async () => {
    const { status, stdout } = await nimbus('releases', '-a', 'acme/prod/web');
    expect(status).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^VERSION +DESCRIPTION +IMAGE +BY +CREATED$/);
    expect(lines[1]).toMatch(/^v2 \(current\) +Set LOG_LEVEL config vars +cccccccccccc +\S+@example\.test/);
    expect(lines[2]).toMatch(/^v1 +Deploy c0ffee1 +cccccccccccc/);
  });

  it('should show one release', async () => {
    const { stdout } = await nimbus('releases:info', '-a', 'acme/prod/web', 'v1');
    expect(stdout).toMatch(/^Version: +v1$/m);
    expect(stdout).toMatch(/^Image: +sha256:c{64}$/m);
    expect(stdout).toMatch(/^Processes: +web: npm start$/m);
  });

  it('should roll back and report the new release, with --json too', async () => {
    expect((await nimbus('rollback', '-a', 'acme/prod/web', 'v1')).stdout).toBe(
      'Rolled back web to v1: now v3\n',
    );
    const release = JSON.parse(
      (await nimbus('releases:info', '-a', 'acme/prod/web', '3', '--json')).stdout,
    ) as {
      description: string;
      imageDigest: string;
      current: boolean;
    };
    expect(release).toMatchObject({ description: 'Rollback to v1', imageDigest: DIGEST, current: true });
  });

  it('should print the git remote of an app that exists, and refuse one that does not', async () => {
    expect(await nimbus('git:remote', '-a', 'acme/prod/web')).toEqual({
      status: 0,
      stdout: `${gateway.url}/git/acme/prod/web.git\n`,
      stderr: '',
    });
    expect((await nimbus('git:remote', '-a', 'acme/prod/nope')).stderr).toBe('error: app "nope" not found\n');
  });

  it('should refuse a bad or unknown version with one error line', async () => {
    const bad = await nimbus('rollback', '-a', 'acme/prod/web', 'latest');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error: .*must be a release such as v3\n$/);
    const unknown = await nimbus('releases:info', '-a', 'acme/prod/web', 'v42');
    expect(unknown).toMatchObject({ status: 1, stderr: 'error: release "v42" not found\n' });
  });
});
