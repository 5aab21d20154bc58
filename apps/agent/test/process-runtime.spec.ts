import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroupSupport } from '@nimbus/sandbox';
import { ImageCache } from '../src/images/image-cache';
import { ProcessRuntime } from '../src/runtimes/process-runtime';
import type { RuntimeHandle, UnpackedImage } from '../src/runtimes/runtime';
import { Instances, readLog, runtimeContract } from './support/runtime-contract';
import { TEST_REPOSITORY, httpGet, pushTestImage, removeDir, tempDir } from './support/test-image';
import { pushWritableLayerImage, writableLayerContract } from './support/writable-layer';

/** The instances' own copy of /app, below their directory. */
const appDir = (handle: RuntimeHandle) => join(handle.dir, 'root', 'app');

// The host's stack (node, sh) must be found by the instances; tests may read the environment.
const HOST_PATH = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';

describe(ProcessRuntime.name, () => {
  let work: string;
  let image: UnpackedImage;
  let writableImage: UnpackedImage;

  beforeAll(async () => {
    work = await tempDir('process');
    const digest = await pushTestImage(work, join(work, 'layouts'));
    const cache = new ImageCache({
      cacheDir: join(work, 'images'),
      source: { kind: 'layout', root: join(work, 'layouts') },
    });
    image = await cache.ensure(TEST_REPOSITORY, digest);
    writableImage = await cache.ensure(TEST_REPOSITORY, await pushWritableLayerImage(join(work, 'layouts')));
  });
  afterAll(() => removeDir(work));

  const fixture = {
    runtime: () => new ProcessRuntime({ hostPath: HOST_PATH }),
    image: () => image,
    instancesDir: () => join(work, 'instances'),
    limited: cgroupSupport() !== 'none',
  };

  runtimeContract(fixture);

  describe('startup CPU boost', () => {
    const boosted = {
      ...fixture,
      runtime: () => new ProcessRuntime({ hostPath: HOST_PATH, startupBoostMs: 300 }),
    };
    const instances = new Instances(boosted);
    afterEach(() => instances.cleanup());

    it('should boot on a whole CPU, then hold the instance to its request', async () => {
      const { handle } = await instances.start(
        'node server.js',
        {},
        {
          resources: { cpuMillis: 250, memoryMb: 256 },
        },
      );
      const { cgroup } = JSON.parse(await readFile(join(handle.dir, 'process.json'), 'utf8')) as {
        cgroup: { unified?: string; cpu?: string } | null;
      };
      const quotaFile = cgroup?.unified
        ? join(cgroup.unified, 'cpu.max')
        : cgroup?.cpu && join(cgroup.cpu, 'cpu.cfs_quota_us');
      const quota = async () =>
        quotaFile ? (await readFile(quotaFile, 'utf8').catch(() => '')).split(' ')[0]?.trim() : '';
      // Without a CPU controller of its own here the instance's CPU is unlimited: nothing to boost.
      if (!(await quota())) return;

      expect(await quota()).toBe('100000');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await boosted.runtime().state(handle)).toEqual({ running: true });
      expect(await quota()).toBe('25000');
    });
  });

  describe('image paths', () => {
    const instances = new Instances(fixture);
    afterEach(() => instances.cleanup());

    it("should run in the image's working directory with its paths mapped onto the instance's copy", async () => {
      const { handle, port } = await instances.start('node server.js');

      const env = JSON.parse(await httpGet(port, '/env')) as Record<string, string>;
      const who = JSON.parse(await httpGet(port, '/whoami')) as { cwd: string };

      expect(who.cwd).toBe(appDir(handle));
      expect(env.HOME).toBe(appDir(handle));
      const path = env.PATH?.split(':') ?? [];
      expect(path[0]).toBe(join(appDir(handle), 'node_modules/.bin'));
      expect(path).toEqual(expect.arrayContaining(['/usr/bin', '/bin']));
    });

    it("should resolve commands from the image's PATH and absolute image paths in the command line", async () => {
      const { handle, port } = await instances.start('hello && node /nimbus/static-server.mjs');

      expect(await httpGet(port)).toBe('static from /nimbus');
      expect(await readLog(handle.stdoutPath)).toContain("hello from the image's bin");
    });

    it('should map image paths in environment values, and nothing else', async () => {
      const { handle, port } = await instances.start('node server.js', {
        CONFIG: '/app/config.json',
        NODE_PATH: '/nimbus/lib:/usr/lib/node',
        SITE: 'http://example.test/app',
      });

      const env = JSON.parse(await httpGet(port, '/env')) as Record<string, string>;

      const copy = join(handle.dir, 'root');
      expect(env.CONFIG).toBe(join(copy, 'app/config.json'));
      expect(env.NODE_PATH).toBe(`${join(copy, 'nimbus/lib')}:/usr/lib/node`);
      expect(env.SITE).toBe('http://example.test/app');
    });
  });

  describe("the instance's writable copy, as the agent's own user", () => {
    writableLayerContract({
      ...fixture,
      image: () => writableImage,
      appDir,
      uid: process.getuid?.() ?? -1,
    });
  });

  describe('as an unprivileged user, where the agent is root', () => {
    const user = { uid: 10001, gid: 10001 };
    let userImage: UnpackedImage;
    let userInstances: string;

    beforeAll(async () => {
      // As the agent's main does: unpacked files belong to the instances' user; and as its
      // NodeAgent does: instance directories live in a directory of the agent's alone.
      const cache = new ImageCache({
        cacheDir: join(work, 'user-images'),
        source: { kind: 'layout', root: join(work, 'layouts') },
        owner: user,
      });
      userImage = await cache.ensure(TEST_REPOSITORY, await pushWritableLayerImage(join(work, 'layouts')));
      // A state directory the instances' user may pass through but not list, as NodeAgent makes it.
      await chmod(work, 0o711);
      userInstances = join(work, 'user-state', 'instances');
      await mkdir(userInstances, { recursive: true, mode: 0o711 });
    });

    writableLayerContract({
      runtime: () => new ProcessRuntime({ hostPath: HOST_PATH, user }),
      image: () => userImage,
      instancesDir: () => userInstances,
      limited: fixture.limited,
      appDir,
      uid: user.uid,
    });

    it("should refuse to start where its user cannot reach the instance's copy, saying which directory", async () => {
      const closed = join(work, 'closed-state');
      await mkdir(join(closed, 'instances'), { recursive: true, mode: 0o711 });
      // Only the state directory above the instances is closed: that is the one to name.
      await chmod(closed, 0o700);
      const instances = new Instances({
        runtime: () => new ProcessRuntime({ hostPath: HOST_PATH, user }),
        image: () => userImage,
        instancesDir: () => join(closed, 'instances'),
        limited: fixture.limited,
      });

      await expect(instances.start('node notes.js')).rejects.toThrow(
        `${closed} cannot be entered by uid ${user.uid}`,
      );
      await instances.cleanup();
    });
  });
});
