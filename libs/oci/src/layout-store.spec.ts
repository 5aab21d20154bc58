import { readdir, readFile, stat, writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { LayoutImageStore, OciError, readImage, type OciImage } from './index';
import { buildAppImage, cleanupTempDirs, describeTree, makeAppTree, tempDir } from './spec-support/fixtures';
import { requireTool, run, runJson } from '@nimbus/testing';

interface SkopeoInspect {
  Digest: string;
  Labels: Record<string, string> | null;
  Env: string[];
  Architecture: string;
  Os: string;
  Layers: string[];
}

interface SkopeoConfig {
  config: { Cmd?: string[]; WorkingDir?: string; User?: string; Env?: string[] };
  rootfs: { diff_ids: string[] };
}

async function drain(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe(LayoutImageStore.name, () => {
  let appDir: string;
  let workDir: string;
  let image: OciImage;

  beforeAll(async () => {
    requireTool('skopeo', 'skopeo');
    requireTool('umoci', 'umoci');
    appDir = await tempDir('app');
    workDir = await tempDir('work');
    await makeAppTree(appDir);
    image = await buildAppImage(appDir, workDir);
  });
  afterAll(cleanupTempDirs);

  it('should write a layout that skopeo reads with the same digest, config and labels', async () => {
    const dir = await tempDir('layout');
    const digest = await new LayoutImageStore(dir).push(image, { tags: ['v1'] });
    expect(digest).toBe(image.digest);
    const inspected = await runJson<SkopeoInspect>('skopeo', ['inspect', `oci:${dir}:v1`]);
    expect(inspected).toMatchObject({
      Digest: image.digest,
      Architecture: 'amd64',
      Os: 'linux',
      Env: ['PORT=5000', 'NODE_ENV=production'],
      Labels: { 'dev.nimbus.process-types': '{"web":"node server.js"}' },
      Layers: [image.manifest.layers[0]!.digest],
    });
    const config = await runJson<SkopeoConfig>('skopeo', ['inspect', '--config', `oci:${dir}:v1`]);
    expect(config.config).toMatchObject({
      Cmd: ['node', 'server.js'],
      WorkingDir: '/workspace/app',
      User: '1000:1000',
    });
    expect(config.rootfs.diff_ids).toEqual(image.config.rootfs.diff_ids);
    expect(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
  });

  it('should give back every file byte for byte, with modes and symlinks, when umoci unpacks it', async () => {
    const dir = await tempDir('layout');
    await new LayoutImageStore(dir).push(image, { tags: ['v1'] });
    const bundle = join(await tempDir('bundle'), 'bundle');
    // As root umoci restores owners too; elsewhere it needs --rootless.
    const rootless = process.getuid?.() === 0 ? [] : ['--rootless'];
    await run('umoci', ['unpack', ...rootless, '--image', `${dir}:v1`, bundle]);
    const unpacked = await describeTree(join(bundle, 'rootfs', 'workspace', 'app'));
    expect(unpacked).toEqual(await describeTree(appDir));
    expect(Object.keys(unpacked).length).toBeGreaterThan(15);
  });

  it('should read back what it wrote: resolve, manifest, config, blobs, the whole image', async () => {
    const dir = await tempDir('layout');
    const store = new LayoutImageStore(dir);
    await store.push(image, { tags: ['v1'] });
    expect(await store.resolve('v1')).toMatchObject({
      digest: image.digest,
      size: image.manifestBlob.bytes.length,
    });
    expect(await store.resolve(image.digest)).toEqual({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: image.digest,
      size: image.manifestBlob.bytes.length,
    });
    const stored = await store.readManifest('v1');
    expect(stored.bytes.equals(image.manifestBlob.bytes)).toBe(true);
    expect(stored.manifest).toEqual(image.manifest);
    expect(await store.readConfig(image.digest)).toEqual(image.config);
    const layer = image.manifest.layers[0]!;
    expect(await store.hasBlob(layer.digest)).toBe(true);
    const bytes = await drain(await store.openBlob(layer.digest, layer.size));
    expect(bytes.equals(await drain(await image.layers[0]!.open()))).toBe(true);

    const copy = await tempDir('layout');
    expect(await new LayoutImageStore(copy).push(await readImage(store, 'v1'), { tags: ['copied'] })).toBe(
      image.digest,
    );
    expect((await runJson<SkopeoInspect>('skopeo', ['inspect', `oci:${copy}:copied`])).Digest).toBe(
      image.digest,
    );
  });

  it('should be idempotent: a second push skips existing blobs, and a tag names one manifest', async () => {
    const dir = await tempDir('layout');
    const store = new LayoutImageStore(dir);
    await store.push(image, { tags: ['v1', 'latest'] });
    const layerPath = join(dir, 'blobs', 'sha256', image.manifest.layers[0]!.digest.slice(7));
    const old = new Date('2001-01-01T00:00:00Z');
    await utimes(layerPath, old, old);
    const before = await stat(layerPath);
    await store.push(image, { tags: ['v1'] });
    const after = await stat(layerPath);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);

    const other = await buildAppImage(appDir, workDir, { env: { PORT: '6000' } });
    await store.push(other, { tags: ['latest'] });
    await store.push(other);
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
      manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
    };
    expect(
      index.manifests.map((m) => [m.annotations?.['org.opencontainers.image.ref.name'], m.digest]).sort(),
    ).toEqual(
      [
        ['latest', other.digest],
        ['v1', image.digest],
      ].sort(),
    );
    expect((await readdir(join(dir, 'blobs', 'sha256'))).every((name) => /^[a-f0-9]{64}$/.test(name))).toBe(
      true,
    );
    expect((await readdir(dir)).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
  });

  it('should keep every tag when many pushes of different tags run at once', async () => {
    const dir = await tempDir('layout');
    const images = await Promise.all(
      Array.from({ length: 8 }, (_, i) => buildAppImage(appDir, workDir, { env: { RELEASE: `v${i}` } })),
    );
    // One store object per push, as separate builder processes would have.
    await Promise.all(images.map((img, i) => new LayoutImageStore(dir).push(img, { tags: [`v${i}`] })));
    const store = new LayoutImageStore(dir);
    for (const [i, img] of images.entries()) {
      expect((await store.resolve(`v${i}`)).digest).toBe(img.digest);
    }
    const inspected = await runJson<SkopeoInspect>('skopeo', ['inspect', `oci:${dir}:v7`]);
    expect(inspected.Digest).toBe(images[7]!.digest);
  });

  it('should read a layout that skopeo wrote', async () => {
    const dir = await tempDir('layout');
    await new LayoutImageStore(dir).push(image, { tags: ['v1'] });
    const copied = await tempDir('skopeo-layout');
    await run('skopeo', ['copy', '--preserve-digests', `oci:${dir}:v1`, `oci:${copied}:from-skopeo`]);
    const store = new LayoutImageStore(copied);
    expect((await store.resolve('from-skopeo')).digest).toBe(image.digest);
    expect((await store.readConfig('from-skopeo')).config?.Env).toEqual(['PORT=5000', 'NODE_ENV=production']);
  });

  it('should refuse a blob whose bytes do not match its digest', async () => {
    const dir = await tempDir('layout');
    const store = new LayoutImageStore(dir);
    await store.push(image, { tags: ['v1'] });
    const configPath = join(dir, 'blobs', 'sha256', image.manifest.config.digest.slice(7));
    const tampered = image.configBlob.bytes.toString().replace('PORT=5000', 'PORT=6666');
    await writeFile(configPath, tampered);
    await expect(store.readConfig('v1')).rejects.toMatchObject({ code: 'oci/digest_mismatch' });
    await expect(drain(await store.openBlob(image.manifest.config.digest))).rejects.toThrow(/is corrupt/);
  });

  it('should say not found for an unknown tag, digest or layout', async () => {
    const dir = await tempDir('layout');
    const store = new LayoutImageStore(dir);
    await expect(store.resolve('v1')).rejects.toMatchObject({ code: 'oci/not_found' });
    await store.push(image, { tags: ['v1'] });
    await expect(store.resolve('v2')).rejects.toMatchObject({
      code: 'oci/not_found',
      message: expect.stringContaining('v2'),
    });
    await expect(store.resolve(`sha256:${'0'.repeat(64)}`)).rejects.toMatchObject({ code: 'oci/not_found' });
    await expect(store.openBlob(`sha256:${'0'.repeat(64)}`)).rejects.toBeInstanceOf(OciError);
    await expect(store.resolve('not a tag!')).rejects.toMatchObject({ code: 'oci/invalid_reference' });
    await expect(store.push(image, { tags: ['-bad'] })).rejects.toMatchObject({
      code: 'oci/invalid_reference',
    });
  });

  it('should wait for the index lock, break a stale one, and time out on a live one', async () => {
    const dir = await tempDir('layout');
    const store = new LayoutImageStore(dir, { lock: { timeoutMs: 300, staleMs: 60_000 } });
    await store.push(image, { tags: ['v1'] });
    const lock = join(dir, 'index.json.lock');
    await writeFile(lock, 'someone else\n');
    await expect(store.push(image, { tags: ['v2'] })).rejects.toMatchObject({ code: 'oci/lock_timeout' });
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    await store.push(image, { tags: ['v2'] });
    expect((await store.resolve('v2')).digest).toBe(image.digest);
    await expect(stat(lock)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
