import { join } from 'node:path';
import { LayoutImageStore, RegistryImageStore, readImage, type OciImage } from './index';
import { buildAppImage, cleanupTempDirs, describeTree, makeAppTree, tempDir } from './spec-support/fixtures';
import { startRegistry, type TestRegistry, requireTool, run, runJson } from '@nimbus/testing';

interface SkopeoInspect {
  Name: string;
  Digest: string;
  Labels: Record<string, string> | null;
  Env: string[];
  Layers: string[];
}

async function drain(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe(RegistryImageStore.name, () => {
  let registry: TestRegistry;
  let appDir: string;
  let image: OciImage;

  beforeAll(async () => {
    requireTool('skopeo', 'skopeo');
    requireTool('umoci', 'umoci');
    registry = await startRegistry();
    appDir = await tempDir('app');
    await makeAppTree(appDir);
    image = await buildAppImage(appDir, await tempDir('work'));
  });
  afterAll(async () => {
    await registry?.stop();
    await cleanupTempDirs();
  });

  const store = (repository: string, chunkSize?: number) =>
    new RegistryImageStore({ url: registry.url, repository, ...(chunkSize ? { chunkSize } : {}) });

  it('should push an image that skopeo inspects and copies back with the same digest and files', async () => {
    expect(await store('acme/web').push(image, { tags: ['v1'] })).toBe(image.digest);
    const ref = `docker://${registry.host}/acme/web:v1`;
    const inspected = await runJson<SkopeoInspect>('skopeo', ['inspect', '--tls-verify=false', ref]);
    expect(inspected).toMatchObject({
      Digest: image.digest,
      Env: ['PORT=5000', 'NODE_ENV=production'],
      Labels: { 'dev.nimbus.process-types': '{"web":"node server.js"}' },
      Layers: image.manifest.layers.map((l) => l.digest),
    });

    const layout = await tempDir('layout');
    await run('skopeo', ['copy', '--src-tls-verify=false', '--preserve-digests', ref, `oci:${layout}:v1`]);
    expect((await new LayoutImageStore(layout).resolve('v1')).digest).toBe(image.digest);
    const bundle = join(await tempDir('bundle'), 'bundle');
    const rootless = process.getuid?.() === 0 ? [] : ['--rootless'];
    await run('umoci', ['unpack', ...rootless, '--image', `${layout}:v1`, bundle]);
    expect(await describeTree(join(bundle, 'rootfs', 'workspace', 'app'))).toEqual(
      await describeTree(appDir),
    );
  });

  it('should upload in chunks when a blob is larger than the chunk size', async () => {
    const chunked = store('acme/chunked', 512 * 1024);
    const layer = image.manifest.layers[0]!;
    expect(layer.size).toBeGreaterThan(3 * 512 * 1024);
    expect(await chunked.hasBlob(layer.digest)).toBe(false);
    await chunked.push(image, { tags: ['v1'] });
    expect(await chunked.hasBlob(layer.digest)).toBe(true);
    const patches = registry.requests().filter((r) => r.startsWith('PATCH /v2/acme/chunked/blobs/uploads/'));
    expect(patches).toHaveLength(Math.ceil(layer.size / (512 * 1024)));
    const fetched = await drain(await chunked.openBlob(layer.digest, layer.size));
    expect(fetched.equals(await drain(await image.layers[0]!.open()))).toBe(true);
    const inspected = await runJson<SkopeoInspect>('skopeo', [
      'inspect',
      '--tls-verify=false',
      `docker://${registry.host}/acme/chunked:v1`,
    ]);
    expect(inspected.Digest).toBe(image.digest);
  });

  it('should read back by tag and digest, and promote an image from the registry to a layout', async () => {
    const web = store('acme/read');
    await web.push(image, { tags: ['v1', 'latest'] });
    expect(await web.resolve('latest')).toEqual({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: image.digest,
      size: image.manifestBlob.bytes.length,
    });
    expect((await web.resolve(image.digest)).digest).toBe(image.digest);
    const stored = await web.readManifest('v1');
    expect(stored.bytes.equals(image.manifestBlob.bytes)).toBe(true);
    expect(await web.readConfig('v1')).toEqual(image.config);

    const layoutDir = await tempDir('layout');
    const pulled = await readImage(web, 'v1');
    expect(await new LayoutImageStore(layoutDir).push(pulled, { tags: ['v1'] })).toBe(image.digest);
    expect((await runJson<SkopeoInspect>('skopeo', ['inspect', `oci:${layoutDir}:v1`])).Digest).toBe(
      image.digest,
    );
  });

  it('should read an image that skopeo pushed', async () => {
    const layoutDir = await tempDir('layout');
    await new LayoutImageStore(layoutDir).push(image, { tags: ['v1'] });
    const ref = `docker://${registry.host}/acme/from-skopeo:v9`;
    await run('skopeo', [
      'copy',
      '--dest-tls-verify=false',
      '--preserve-digests',
      `oci:${layoutDir}:v1`,
      ref,
    ]);
    const other = store('acme/from-skopeo');
    expect((await other.resolve('v9')).digest).toBe(image.digest);
    expect((await other.readConfig('v9')).config?.WorkingDir).toBe('/workspace/app');
  });

  it('should move a tag, push by digest alone, and skip blobs the repository has', async () => {
    const repo = store('acme/tags');
    const next = await buildAppImage(appDir, await tempDir('work'), { env: { PORT: '6000' } });
    await repo.push(image, { tags: ['current'] });
    await repo.push(next, { tags: ['current'] });
    expect((await repo.resolve('current')).digest).toBe(next.digest);
    const untagged = await buildAppImage(appDir, await tempDir('work'), { env: { PORT: '7000' } });
    await repo.push(untagged);
    expect((await repo.readConfig(untagged.digest)).config?.Env).toContain('PORT=7000');
    // Layer and config, then only each new config: the shared layer went up once.
    const uploads = registry.requests().filter((r) => r === 'POST /v2/acme/tags/blobs/uploads/');
    expect(uploads).toHaveLength(4);
    expect(registry.requests().filter((r) => r.startsWith('PATCH /v2/acme/tags/'))).toEqual([]);
  });

  it('should say not found for unknown tags and blobs, and refuse bad names', async () => {
    const repo = store('acme/web');
    await expect(repo.resolve('missing')).rejects.toMatchObject({ code: 'oci/not_found' });
    await expect(repo.readManifest('missing')).rejects.toMatchObject({
      code: 'oci/not_found',
      message: expect.stringContaining('MANIFEST_UNKNOWN'),
    });
    expect(await repo.hasBlob(`sha256:${'1'.repeat(64)}`)).toBe(false);
    await expect(repo.openBlob(`sha256:${'1'.repeat(64)}`)).rejects.toMatchObject({ code: 'oci/not_found' });
    expect(() => store('Acme/Web')).toThrow(/not a valid repository name/);
    await expect(repo.push(image, { tags: ['no/slash'] })).rejects.toMatchObject({
      code: 'oci/invalid_reference',
    });
  });

  it('should say clearly when the registry cannot be reached', async () => {
    const gone = await startRegistry();
    const url = gone.url;
    await gone.stop();
    const repo = new RegistryImageStore({ url, repository: 'acme/web' });
    await expect(repo.push(image, { tags: ['v1'] })).rejects.toMatchObject({
      code: 'oci/registry_error',
      message: expect.stringMatching(/cannot reach the registry at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED/),
    });
  });
});

describe(`${RegistryImageStore.name} with basic auth`, () => {
  const user = { username: 'builder', password: 'correct horse battery' };
  let registry: TestRegistry;
  let image: OciImage;

  beforeAll(async () => {
    requireTool('skopeo', 'skopeo');
    registry = await startRegistry({ user });
    const appDir = await tempDir('app');
    await makeAppTree(appDir);
    image = await buildAppImage(appDir, await tempDir('work'));
  });
  afterAll(async () => {
    await registry?.stop();
    await cleanupTempDirs();
  });

  it('should push with the right credentials and be refused without or with wrong ones', async () => {
    const anonymous = new RegistryImageStore({ url: registry.url, repository: 'acme/private' });
    await expect(anonymous.push(image, { tags: ['v1'] })).rejects.toMatchObject({
      code: 'oci/unauthorized',
      message: expect.stringContaining('requires credentials'),
    });
    const wrong = new RegistryImageStore({
      url: registry.url,
      repository: 'acme/private',
      credentials: { ...user, password: 'wrong' },
    });
    await expect(wrong.resolve('v1')).rejects.toMatchObject({
      code: 'oci/unauthorized',
      message: expect.stringContaining('rejected the credentials of user "builder"'),
    });
    const authorized = new RegistryImageStore({
      url: registry.url,
      repository: 'acme/private',
      credentials: user,
    });
    expect(await authorized.push(image, { tags: ['v1'] })).toBe(image.digest);
    expect((await authorized.resolve('v1')).digest).toBe(image.digest);
    const inspected = await runJson<SkopeoInspect>('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--creds',
      `${user.username}:${user.password}`,
      `docker://${registry.host}/acme/private:v1`,
    ]);
    expect(inspected.Digest).toBe(image.digest);
  });
});
