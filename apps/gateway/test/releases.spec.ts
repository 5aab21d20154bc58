import { execFileSync } from 'node:child_process';
import { tenantScope } from '@nimbus/db';
import { createApiToken, createUser, seedTenant } from '@nimbus/testing';
import { ReleasesService } from '@nimbus/gateway';
import { startTestGateway, type TestGateway } from './support/test-gateway';

const IMAGE_1 = `sha256:${'1'.repeat(64)}`;
const IMAGE_2 = `sha256:${'2'.repeat(64)}`;
const SECRET = 'rel3ase-s3cret-value';

interface ReleaseBody {
  version: number;
  description: string;
  imageDigest: string;
  current: boolean;
  actor: string | null;
  configVersion: number;
}

describe('releases', () => {
  let gateway: TestGateway;
  let owner: string;
  let ownerEmail: string;
  const APP = '/v1/tenants/acme/namespaces/prod/apps/web';

  async function call<T>(
    method: string,
    path: string,
    body?: unknown,
    token = owner,
  ): Promise<{ status: number; json: T }> {
    const response = await fetch(gateway.url + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: (await response.json()) as T };
  }

  async function deploy(digest: string, description: string) {
    const app = await gateway.db.app.findFirstOrThrow({
      where: { name: 'web', namespace: { name: 'prod' } },
    });
    const user = await gateway.db.user.findUniqueOrThrow({ where: { email: ownerEmail } });
    return gateway.app
      .get(ReleasesService)
      .deploy(
        tenantScope(app.tenantId),
        app.id,
        { digest, processTypes: { web: 'npm start' } },
        description,
        user.id,
      );
  }

  const environmentOf = async () =>
    (
      await call<{ entries: { key: string; value: string }[] }>('GET', `${APP}/environment?reveal=true`)
    ).json.entries.map((e) => `${e.key}=${e.value}`);

  beforeAll(async () => {
    gateway = await startTestGateway();
    const seeded = await seedTenant(gateway, 'acme', { prod: ['web', 'api'] });
    owner = seeded.ownerToken;
    ownerEmail = seeded.owner.email;
    await call('PATCH', `${APP}/config`, { set: { LOG_LEVEL: 'info' } });
    await call('PATCH', `${APP}/secrets`, { set: { DB_PASSWORD: SECRET } });
  });
  afterAll(() => gateway.close());

  it('should create no release for config changes before the first deploy', async () => {
    expect((await call<ReleaseBody[]>('GET', `${APP}/releases`)).json).toEqual([]);
  });

  it('should number releases and cut one for every config change that reaches a deployed app', async () => {
    expect((await deploy(IMAGE_1, 'Deploy 1111111')).version).toBe(1);
    await call('PATCH', `${APP}/config`, { set: { LOG_LEVEL: 'debug' } });
    expect((await deploy(IMAGE_2, 'Deploy 2222222')).version).toBe(3);
    await call('PATCH', '/v1/tenants/acme/namespaces/prod/config', {
      set: { REGION: 'eu' },
      unset: ['NOPE'],
    });
    await call('PATCH', `${APP}/secrets`, { unset: ['DB_PASSWORD'] });

    const { json: releases } = await call<ReleaseBody[]>('GET', `${APP}/releases`);
    expect(
      releases.map(({ version, description, imageDigest, current }) => ({
        version,
        description,
        imageDigest,
        current,
      })),
    ).toEqual([
      { version: 5, description: 'Unset DB_PASSWORD secrets', imageDigest: IMAGE_2, current: true },
      {
        version: 4,
        description: 'Set REGION config vars (namespace prod)',
        imageDigest: IMAGE_2,
        current: false,
      },
      { version: 3, description: 'Deploy 2222222', imageDigest: IMAGE_2, current: false },
      { version: 2, description: 'Set LOG_LEVEL config vars', imageDigest: IMAGE_1, current: false },
      { version: 1, description: 'Deploy 1111111', imageDigest: IMAGE_1, current: false },
    ]);
    expect(releases.every((release) => release.actor === ownerEmail)).toBe(true);
    // The never-deployed app in the same namespace got nothing.
    expect(
      (await call<ReleaseBody[]>('GET', '/v1/tenants/acme/namespaces/prod/apps/api/releases')).json,
    ).toEqual([]);
  });

  it("should roll back to an earlier release's image and configuration as a new release", async () => {
    expect(await environmentOf()).toEqual(['LOG_LEVEL=debug', 'REGION=eu']);
    const rollback = await call<ReleaseBody>('POST', `${APP}/rollback`, { version: 1 });
    expect(rollback.status).toBe(201);
    expect(rollback.json).toMatchObject({
      version: 6,
      description: 'Rollback to v1',
      imageDigest: IMAGE_1,
      current: true,
    });
    // The app's own config is v1's again; the namespace's REGION, set later, still applies.
    expect(await environmentOf()).toEqual(['DB_PASSWORD=' + SECRET, 'LOG_LEVEL=info', 'REGION=eu']);
    const next = await call<{ configVersion: number }>('PATCH', `${APP}/config`, { set: { FEATURE: 'on' } });
    expect((await call<ReleaseBody>('GET', `${APP}/releases/7`)).json).toMatchObject({
      description: 'Set FEATURE config vars',
      imageDigest: IMAGE_1,
      configVersion: next.json.configVersion,
    });
  });

  it('should refuse a rollback to a release that does not exist, changing nothing', async () => {
    const before = (await call<ReleaseBody[]>('GET', `${APP}/releases`)).json.length;
    const missing = await call<{ code: string; detail: string }>('POST', `${APP}/rollback`, { version: 99 });
    expect(missing.status).toBe(404);
    expect(missing.json.detail).toBe('release "v99" not found');
    expect((await call<ReleaseBody[]>('GET', `${APP}/releases`)).json.length).toBe(before);
    expect((await call('GET', `${APP}/releases/99`)).status).toBe(404);
  });

  it('should let viewers read releases but not roll back', async () => {
    const viewer = await createUser(gateway.db);
    await call('PUT', `/v1/tenants/acme/members/${viewer.email}`, { role: 'viewer' });
    const { token } = await createApiToken(gateway.db, viewer.id);
    expect((await call('GET', `${APP}/releases`, undefined, token)).status).toBe(200);
    expect((await call('POST', `${APP}/rollback`, { version: 1 }, token)).status).toBe(403);
  });

  it('should hand out distinct, consecutive numbers to concurrent changes', async () => {
    const before = (await call<ReleaseBody[]>('GET', `${APP}/releases?limit=1`)).json[0]!.version;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => call('PATCH', `${APP}/config`, { set: { [`K${i}`]: String(i) } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    const versions = (await call<ReleaseBody[]>('GET', `${APP}/releases?limit=6`)).json.map((r) => r.version);
    expect(versions).toEqual([6, 5, 4, 3, 2, 1].map((n) => before + n));
  });

  it('should keep release snapshots sealed at rest', () => {
    const dump = execFileSync('pg_dump', [
      '--data-only',
      '--inserts',
      '--table=public."Release"',
      gateway.database.url,
    ]).toString();
    expect(dump).toContain('Rollback to v1');
    expect(dump).not.toContain(SECRET);
  });

  it("should keep app.json's formation and postdeploy in releases of the same image", async () => {
    const API = '/v1/tenants/acme/namespaces/prod/apps/api';
    const app = await gateway.db.app.findFirstOrThrow({
      where: { name: 'api', namespace: { name: 'prod' } },
    });
    const user = await gateway.db.user.findUniqueOrThrow({ where: { email: ownerEmail } });
    const fromBuild = { formation: { web: { replicas: 2 } }, postdeploy: 'node seed.js' };
    await gateway.app
      .get(ReleasesService)
      .deploy(
        tenantScope(app.tenantId),
        app.id,
        { digest: IMAGE_1, processTypes: { web: 'npm start' }, ...fromBuild },
        'Deploy 1111111',
        user.id,
      );
    // A config change, then a rollback, may land before the first deploy completes.
    await call('PATCH', `${API}/config`, { set: { LOG_LEVEL: 'debug' } });
    expect((await call('POST', `${API}/rollback`, { version: 1 })).status).toBe(201);
    const releases = await gateway.db.release.findMany({
      where: { appId: app.id },
      orderBy: { version: 'asc' },
    });
    expect(
      releases.map(({ version, formation, postdeploy }) => ({ version, formation, postdeploy })),
    ).toEqual([1, 2, 3].map((version) => ({ version, ...fromBuild })));
  });
});
