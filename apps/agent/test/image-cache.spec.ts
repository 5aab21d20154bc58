import { lstat, mkdir, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LayoutImageStore, RegistryImageStore, readImage } from '@nimbus/oci';
import { ImageCache } from '../src/images/image-cache';
import { startRegistry } from './support/registry';
import {
  TEST_REPOSITORY,
  pushRawImage,
  pushTestImage,
  rawLayer,
  removeDir,
  tempDir,
  type RawEntry,
} from './support/test-image';

describe(ImageCache.name, () => {
  let work: string;
  let layouts: string;
  let digest: string;

  beforeAll(async () => {
    work = await tempDir('image-cache');
    layouts = join(work, 'layouts');
    digest = await pushTestImage(work, layouts);
  });
  afterAll(() => removeDir(work));

  let cacheCount = 0;
  const newCacheDir = () => join(work, `cache-${++cacheCount}`);
  const layoutCache = (cacheDir = newCacheDir()) =>
    new ImageCache({ cacheDir, source: { kind: 'layout', root: layouts } });

  /** A cache over one layout store whose reads are counted (the store itself does the work). */
  const countingCache = (cacheDir = newCacheDir()) => {
    const store = new LayoutImageStore(join(layouts, TEST_REPOSITORY));
    const reads = jest.spyOn(store, 'readManifest');
    const cache = new ImageCache({ cacheDir, source: { kind: 'custom', storeFor: () => store } });
    return { cache, reads, cacheDir };
  };

  it("should unpack an image's layers into a root filesystem, with its environment and working directory", async () => {
    const image = await layoutCache().ensure(TEST_REPOSITORY, digest);

    expect(image.digest).toBe(digest);
    expect(image.workingDir).toBe('/app');
    expect(image.env).toEqual({
      NODE_ENV: 'production',
      PATH: '/app/node_modules/.bin:/usr/local/bin:/usr/bin:/bin',
    });
    expect((await readdir(image.rootfs)).sort()).toEqual(['app', 'nimbus']);
    expect(await readFile(join(image.rootfs, 'app/server.js'), 'utf8')).toContain('createServer');
    expect((await stat(join(image.rootfs, 'app/node_modules/.bin/hello'))).mode & 0o777).toBe(0o755);
    expect(image.rootfs).toBe(join(image.rootfs, '..', 'rootfs'));
  });

  it('should answer a second ensure from the cache, also after the agent restarts', async () => {
    const { cache, reads, cacheDir } = countingCache();
    const first = await cache.ensure(TEST_REPOSITORY, digest);
    expect(reads).toHaveBeenCalledTimes(1);

    const second = await cache.ensure(TEST_REPOSITORY, digest);
    const restarted = countingCache(cacheDir);
    const third = await restarted.cache.ensure(TEST_REPOSITORY, digest);

    expect(reads).toHaveBeenCalledTimes(1);
    expect(restarted.reads).not.toHaveBeenCalled();
    expect(second).toEqual(first);
    expect(third).toEqual(first);
  });

  it('should share one pull among concurrent callers', async () => {
    const { cache, reads, cacheDir } = countingCache();

    const images = await Promise.all([1, 2, 3].map(() => cache.ensure(TEST_REPOSITORY, digest)));

    expect(reads).toHaveBeenCalledTimes(1);
    expect(new Set(images.map((image) => image.rootfs)).size).toBe(1);
    expect(await readdir(cacheDir)).toEqual([digest.slice('sha256:'.length)]);
  });

  it('should pull from a registry', async () => {
    const root = await tempDir('registry');
    const registry = await startRegistry(root);
    try {
      const layout = new LayoutImageStore(join(layouts, TEST_REPOSITORY));
      await new RegistryImageStore({ url: registry.url, repository: TEST_REPOSITORY }).push(
        await readImage(layout, digest),
      );
      const cache = new ImageCache({
        cacheDir: newCacheDir(),
        source: { kind: 'registry', url: registry.url },
      });

      const image = await cache.ensure(TEST_REPOSITORY, digest);

      expect(await readFile(join(image.rootfs, 'app/server.js'), 'utf8')).toContain('createServer');
    } finally {
      await registry.stop();
      await removeDir(root);
    }
  });

  it('should never take what a crashed pull left behind for an image', async () => {
    const cacheDir = newCacheDir();
    const hex = digest.slice('sha256:'.length);
    await mkdir(join(cacheDir, `.tmp-${hex}-dead`, 'rootfs', 'app'), { recursive: true });
    await mkdir(join(cacheDir, hex, 'rootfs', 'junk'), { recursive: true });

    const image = await layoutCache(cacheDir).ensure(TEST_REPOSITORY, digest);

    expect((await readdir(image.rootfs)).sort()).toEqual(['app', 'nimbus']);
    expect(await readFile(join(image.rootfs, 'app/server.js'), 'utf8')).toContain('createServer');
  });

  it('should apply whiteouts and opaque directories, which hide only what lower layers hold', async () => {
    const lower = await rawLayer([
      { name: 'app/', type: 'directory' },
      { name: 'app/deleted.txt', content: 'lower' },
      { name: 'app/kept.txt', content: 'lower' },
      { name: 'app/gone/', type: 'directory' },
      { name: 'app/gone/deep.txt', content: 'lower' },
      { name: 'app/opaque/', type: 'directory' },
      { name: 'app/opaque/old.txt', content: 'lower' },
    ]);
    const upper = await rawLayer([
      { name: 'app/.wh.deleted.txt' },
      { name: 'app/.wh.gone' },
      { name: 'app/opaque/', type: 'directory' },
      // Before the marker in the archive, and of the same layer: the marker must not hide it.
      { name: 'app/opaque/new.txt', content: 'upper' },
      { name: 'app/opaque/.wh..wh..opq' },
    ]);
    const image = await layoutCache().ensure(TEST_REPOSITORY, await pushRawImage(layouts, [lower, upper]));

    expect((await readdir(join(image.rootfs, 'app'))).sort()).toEqual(['kept.txt', 'opaque']);
    expect(await readdir(join(image.rootfs, 'app/opaque'))).toEqual(['new.txt']);
  });

  it('should never follow a symbolic link when applying a whiteout', async () => {
    const lower = await rawLayer([
      { name: 'victim.txt', content: 'must stay' },
      { name: 'app/', type: 'directory' },
      { name: 'app/up', type: 'symlink', linkname: '..' },
    ]);
    const upper = await rawLayer([{ name: 'app/up/.wh.victim.txt' }]);

    const image = await layoutCache().ensure(TEST_REPOSITORY, await pushRawImage(layouts, [lower, upper]));

    expect(await readFile(join(image.rootfs, 'victim.txt'), 'utf8')).toBe('must stay');
  });

  it('should keep symbolic links resolving inside the image, never to host paths', async () => {
    const layer = await rawLayer([
      { name: 'app/', type: 'directory' },
      { name: 'app/relative', type: 'symlink', linkname: 'server.js' },
      { name: 'app/absolute', type: 'symlink', linkname: '/etc/hostname' },
      { name: 'app/.venv/bin/python3.11', type: 'symlink', linkname: 'python3' },
      { name: 'app/.venv/bin/python3', type: 'symlink', linkname: '/usr/bin/python3' },
    ]);

    const image = await layoutCache().ensure(TEST_REPOSITORY, await pushRawImage(layouts, [layer]));

    expect(await readlink(join(image.rootfs, 'app/relative'))).toBe('server.js');
    expect(await readlink(join(image.rootfs, 'app/absolute'))).toBe('../etc/hostname');
    expect(await readlink(join(image.rootfs, 'app/.venv/bin/python3.11'))).toBe('python3');
    expect(await readlink(join(image.rootfs, 'app/.venv/bin/python3'))).toBe('../../../usr/bin/python3');
  });

  it("should give the unpacked files to the owner it is given, and keep its own directory the agent's alone", async () => {
    const cacheDir = newCacheDir();
    // Made by someone else, open to all: the cache closes it.
    await mkdir(cacheDir, { mode: 0o755 });
    const owner = { uid: 10001, gid: 10001 };
    const cache = new ImageCache({ cacheDir, source: { kind: 'layout', root: layouts }, owner });

    const image = await cache.ensure(TEST_REPOSITORY, digest);

    expect((await stat(cacheDir)).mode & 0o777).toBe(0o700);
    for (const path of ['app', 'app/server.js', 'app/node_modules/.bin/hello', 'nimbus/static-server.mjs']) {
      const stats = await lstat(join(image.rootfs, path));
      expect({ path, uid: stats.uid, gid: stats.gid }).toEqual({ path, ...owner });
    }
  });

  it('should never give setuid, setgid or write for others on the host, and make implied directories 0755', async () => {
    const layer = await rawLayer([
      { name: 'app/deep/tool', content: '#!/bin/sh\n', mode: 0o6777 },
      { name: 'app/deep/tmp/', type: 'directory', mode: 0o1777 },
      { name: 'app/deep/private', content: 'secret', mode: 0o600 },
    ]);

    const image = await layoutCache().ensure(TEST_REPOSITORY, await pushRawImage(layouts, [layer]));

    const mode = async (path: string) => (await stat(join(image.rootfs, path))).mode & 0o7777;
    expect(await mode('app')).toBe(0o755);
    expect(await mode('app/deep')).toBe(0o755);
    expect(await mode('app/deep/tool')).toBe(0o755);
    expect(await mode('app/deep/tmp')).toBe(0o1755);
    expect(await mode('app/deep/private')).toBe(0o600);
  });

  describe('hostile layers', () => {
    let outside: string;
    beforeEach(async () => {
      outside = await tempDir('outside');
    });
    afterEach(() => removeDir(outside));

    const hostile: [string, (outside: string) => RawEntry[][]][] = [
      ['a path with ..', () => [[{ name: 'app/../../escaped.txt', content: 'x' }]]],
      ['an absolute path', (dir) => [[{ name: join(dir, 'escaped.txt'), content: 'x' }]]],
      [
        'a hard link out of the image',
        () => [[{ name: 'app/passwd', type: 'link', linkname: '../../etc/passwd' }]],
      ],
      [
        'a relative symbolic link climbing out of the image',
        () => [[{ name: 'app/climbing', type: 'symlink', linkname: '../../../../usr/bin/node' }]],
      ],
      [
        "an entry below the layer's own symbolic link",
        () => [
          [
            { name: 'app/link', type: 'symlink', linkname: '/' },
            { name: 'app/link/escaped.txt', content: 'x' },
          ],
        ],
      ],
      ['a whiteout with ..', () => [[{ name: 'app/../.wh.escaped.txt' }]]],
    ];

    it.each(hostile)('should refuse a layer with %s and leave nothing behind', async (_name, layers) => {
      const cacheDir = newCacheDir();
      const raw = await Promise.all(layers(outside).map((entries) => rawLayer(entries)));
      const hostileDigest = await pushRawImage(layouts, raw);

      await expect(layoutCache(cacheDir).ensure(TEST_REPOSITORY, hostileDigest)).rejects.toThrow(/refused/);

      expect(await readdir(outside)).toEqual([]);
      expect(await readdir(cacheDir)).toEqual([]);
      await expect(lstat(join(work, 'escaped.txt'))).rejects.toThrow();
    });
  });

  it("should never write through a lower layer's symbolic link, even one naming a host path", async () => {
    const outside = await tempDir('outside');
    try {
      const lower = await rawLayer([
        { name: 'app/', type: 'directory' },
        { name: 'app/link', type: 'symlink', linkname: outside },
      ]);
      const upper = await rawLayer([{ name: 'app/link/escaped.txt', content: 'x' }]);

      const image = await layoutCache().ensure(TEST_REPOSITORY, await pushRawImage(layouts, [lower, upper]));

      expect(await readdir(outside)).toEqual([]);
      // tar replaces a link in the way of an entry by a directory rather than follow it.
      expect((await lstat(join(image.rootfs, 'app/link'))).isDirectory()).toBe(true);
      expect(await readdir(join(image.rootfs, 'app/link'))).toEqual(['escaped.txt']);
    } finally {
      await removeDir(outside);
    }
  });

  it("should refuse a layer whose content is not what the image's config says", async () => {
    const layer = await rawLayer([{ name: 'app/a.txt', content: 'a' }]);
    const other = await rawLayer([{ name: 'app/b.txt', content: 'b' }]);

    const forged = await pushRawImage(layouts, [{ ...layer, diffId: other.diffId }]);

    await expect(layoutCache().ensure(TEST_REPOSITORY, forged)).rejects.toThrow(/image config says/);
  });

  it('should remove images, and prune all but those still needed with what crashed pulls left', async () => {
    const cacheDir = newCacheDir();
    const cache = layoutCache(cacheDir);
    const other = await pushRawImage(layouts, [
      await rawLayer([{ name: 'app/other.txt', content: 'other' }]),
    ]);
    await cache.ensure(TEST_REPOSITORY, digest);
    await cache.ensure(TEST_REPOSITORY, other);
    await writeFile(join(cacheDir, '.tmp-crashed'), '');

    expect(await cache.prune([digest])).toEqual([other]);
    expect(await readdir(cacheDir)).toEqual([digest.slice('sha256:'.length)]);

    await cache.remove(digest);
    expect(await readdir(cacheDir)).toEqual([]);
    expect((await cache.ensure(TEST_REPOSITORY, digest)).digest).toBe(digest);
  });

  describe('eviction', () => {
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
    /** `count` images of their own, as different apps' releases would be. */
    const images = (count: number) =>
      Promise.all(
        Array.from({ length: count }, async (_, i) =>
          pushRawImage(layouts, [await rawLayer([{ name: `app/${i}-${Math.random()}.txt`, content: 'x' }])]),
        ),
      );
    /** Asks for each image in turn, as instances starting one after another would. */
    const use = async (cache: ImageCache, ...digests: string[]) => {
      for (const image of digests) {
        await cache.ensure(TEST_REPOSITORY, image);
        await pause();
      }
    };
    const hexes = (...digests: string[]) => digests.map((image) => image.slice('sha256:'.length)).sort();

    it('should keep the most recently used images and those in use, and evict the rest', async () => {
      const [a, b, c, d] = (await images(4)) as [string, string, string, string];
      const cacheDir = newCacheDir();
      const store = new LayoutImageStore(join(layouts, TEST_REPOSITORY));
      const reads = jest.spyOn(store, 'readManifest');
      const cache = new ImageCache({ cacheDir, source: { kind: 'custom', storeFor: () => store }, keep: 2 });
      await use(cache, a, b, c, d, a);
      expect(await cache.cached()).toEqual([a, d, c, b]);

      expect(await cache.evict([b])).toEqual([c]);

      expect(await cache.cached()).toEqual([a, d, b]);
      expect((await readdir(cacheDir)).sort()).toEqual(hexes(a, b, d));
      expect(await cache.evict([b])).toEqual([]);
      reads.mockClear();
      await use(cache, a, d, b);
      expect(reads).not.toHaveBeenCalled();
      await use(cache, c);
      expect(reads).toHaveBeenCalledTimes(1);
    });

    it('should know which images were used last after the agent restarts', async () => {
      const [a, b, c] = (await images(3)) as [string, string, string];
      const cacheDir = newCacheDir();
      // a unpacked first, then used again last: only its use, not its unpacking, makes it recent.
      await use(layoutCache(cacheDir), a, b, c, a);

      const restarted = new ImageCache({ cacheDir, source: { kind: 'layout', root: layouts }, keep: 1 });
      for (let attempt = 0; attempt < 50 && (await restarted.cached())[0] !== a; attempt++) await pause();

      expect(await restarted.cached()).toEqual([a, c, b]);
      expect(await restarted.evict([])).toEqual([c, b]);
      expect(await readdir(cacheDir)).toEqual(hexes(a));
    });

    it('should spare an image asked for as it evicts', async () => {
      const [a, b] = (await images(2)) as [string, string];
      const cache = new ImageCache({
        cacheDir: newCacheDir(),
        source: { kind: 'layout', root: layouts },
        keep: 0,
      });
      await use(cache, a, b);

      const starting = cache.ensure(TEST_REPOSITORY, a);
      const evicted = await cache.evict([]);

      expect(evicted).toEqual([b]);
      expect((await stat((await starting).rootfs)).isDirectory()).toBe(true);
      expect(await cache.cached()).toEqual([a]);
    });
  });

  it('should refuse digests and repositories that are not well-formed', async () => {
    await expect(layoutCache().ensure(TEST_REPOSITORY, 'latest')).rejects.toThrow(/digest/);
    await expect(layoutCache().ensure('../escape', digest)).rejects.toThrow(/repository/);
  });
});
