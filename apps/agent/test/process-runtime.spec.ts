import { join } from 'node:path';
import { cgroupSupport } from '@nimbus/sandbox';
import { ImageCache } from '../src/images/image-cache';
import { ProcessRuntime } from '../src/runtimes/process-runtime';
import type { UnpackedImage } from '../src/runtimes/runtime';
import { Instances, readLog, runtimeContract } from './support/runtime-contract';
import { TEST_REPOSITORY, httpGet, pushTestImage, removeDir, tempDir } from './support/test-image';

// The host's stack (node, sh) must be found by the instances; tests may read the environment.
const HOST_PATH = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';

describe(ProcessRuntime.name, () => {
  let work: string;
  let image: UnpackedImage;

  beforeAll(async () => {
    work = await tempDir('process');
    const digest = await pushTestImage(work, join(work, 'layouts'));
    const cache = new ImageCache({
      cacheDir: join(work, 'images'),
      source: { kind: 'layout', root: join(work, 'layouts') },
    });
    image = await cache.ensure(TEST_REPOSITORY, digest);
  });
  afterAll(() => removeDir(work));

  const fixture = {
    runtime: () => new ProcessRuntime({ hostPath: HOST_PATH }),
    image: () => image,
    instancesDir: () => join(work, 'instances'),
    limited: cgroupSupport() !== 'none',
  };

  runtimeContract(fixture);

  describe('image paths', () => {
    const instances = new Instances(fixture);
    afterEach(() => instances.cleanup());

    it("should run in the image's working directory with its paths mapped onto the unpacked image", async () => {
      const { port } = await instances.start('node server.js');

      const env = JSON.parse(await httpGet(port, '/env')) as Record<string, string>;
      const who = JSON.parse(await httpGet(port, '/whoami')) as { cwd: string };

      expect(who.cwd).toBe(join(image.rootfs, 'app'));
      const path = env.PATH?.split(':') ?? [];
      expect(path[0]).toBe(join(image.rootfs, 'app/node_modules/.bin'));
      expect(path).toEqual(expect.arrayContaining(['/usr/bin', '/bin']));
    });

    it("should resolve commands from the image's PATH and absolute image paths in the command line", async () => {
      const { handle, port } = await instances.start('hello && node /nimbus/static-server.mjs');

      expect(await httpGet(port)).toBe('static from /nimbus');
      expect(await readLog(handle.stdoutPath)).toContain("hello from the image's bin");
    });

    it('should map image paths in environment values, and nothing else', async () => {
      const { port } = await instances.start('node server.js', {
        CONFIG: '/app/config.json',
        NODE_PATH: '/nimbus/lib:/usr/lib/node',
        SITE: 'http://example.test/app',
      });

      const env = JSON.parse(await httpGet(port, '/env')) as Record<string, string>;

      expect(env.CONFIG).toBe(join(image.rootfs, 'app/config.json'));
      expect(env.NODE_PATH).toBe(`${join(image.rootfs, 'nimbus/lib')}:/usr/lib/node`);
      expect(env.SITE).toBe('http://example.test/app');
    });
  });
});
