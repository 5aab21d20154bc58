import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { containerPreconditions, findRunc, runc } from '@nimbus/sandbox';
import { ImageCache } from '../src/images/image-cache';
import { OciRuntime } from '../src/runtimes/oci-runtime';
import type { UnpackedImage } from '../src/runtimes/runtime';
import { Instances, runtimeContract } from './support/runtime-contract';
import { TEST_REPOSITORY, httpGet, pushTestImage, removeDir, tempDir } from './support/test-image';
import { pushWritableLayerImage, writableLayerContract } from './support/writable-layer';

/** Whom the runtime runs instances as by default; the agent gives unpacked images to that user. */
const INSTANCE_USER = { uid: 10001, gid: 10001 };

/*
 * Jest collects tests synchronously, so the skip is decided by the synchronous preconditions
 * (runc, root, cgroups). In CI nothing is skipped: a host without runc must fail the run there.
 */
const preconditions = containerPreconditions();
const runs = preconditions.available || process.env.CI === 'true';
const suite = runs ? describe : describe.skip;
const title = runs ? OciRuntime.name : `${OciRuntime.name} (skipped: ${preconditions.reason})`;

suite(title, () => {
  let work: string;
  let image: UnpackedImage;
  let writableImage: UnpackedImage;

  beforeAll(async () => {
    work = await tempDir('oci');
    const digest = await pushTestImage(work, join(work, 'layouts'));
    // As the agent's main does: unpacked files belong to the instances' user.
    const cache = new ImageCache({
      cacheDir: join(work, 'images'),
      source: { kind: 'layout', root: join(work, 'layouts') },
      owner: INSTANCE_USER,
    });
    image = await cache.ensure(TEST_REPOSITORY, digest);
    writableImage = await cache.ensure(TEST_REPOSITORY, await pushWritableLayerImage(join(work, 'layouts')));
  });
  afterAll(async () => {
    // Nothing of ours may be left in runc's state directory.
    const left = await runc(findRunc() as string, join(work, 'state', 'runc'), ['list', '--quiet']);
    expect(left.stdout.trim()).toBe('');
    await removeDir(work);
  });

  const fixture = {
    runtime: () => new OciRuntime({ stateDir: join(work, 'state') }),
    image: () => image,
    instancesDir: () => join(work, 'instances'),
    limited: true,
  };

  runtimeContract(fixture);

  describe('startup CPU boost', () => {
    const boosted = {
      ...fixture,
      runtime: () => new OciRuntime({ stateDir: join(work, 'state'), startupBoostMs: 300 }),
    };
    const instances = new Instances(boosted);
    afterEach(() => instances.cleanup());

    it('should boot on a whole CPU, then hold the container to its request', async () => {
      const { handle } = await instances.start(
        'node server.js',
        {},
        {
          resources: { cpuMillis: 250, memoryMb: 256 },
        },
      );
      // runc's own record of the container's cgroups: v1 has a cpu directory, v2 one unified one.
      const state = JSON.parse(
        await readFile(join(work, 'state', 'runc', handle.containerId as string, 'state.json'), 'utf8'),
      ) as { cgroup_paths: Record<string, string> };
      const { cpu, '': unified } = state.cgroup_paths;
      const quota = async () =>
        cpu
          ? (await readFile(join(cpu, 'cpu.cfs_quota_us'), 'utf8')).trim()
          : (await readFile(join(unified as string, 'cpu.max'), 'utf8')).split(' ')[0];

      expect(await quota()).toBe('100000');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await boosted.runtime().state(handle)).toEqual({ running: true });
      expect(await quota()).toBe('25000');
    });
  });

  describe('isolation', () => {
    const instances = new Instances(fixture);
    afterEach(() => instances.cleanup());

    it('should run as a non-root user on a read-only root, with only /app and /tmp writable', async () => {
      const { port } = await instances.start('node server.js');

      const who = JSON.parse(await httpGet(port, '/whoami')) as Record<string, unknown>;

      expect(who).toEqual({
        uid: 10001,
        gid: 10001,
        cwd: '/app',
        root: 'EROFS',
        app: 'written',
        tmp: 'written',
      });
    });

    it('should leave nothing behind once removed', async () => {
      const { handle, port } = await instances.start('node server.js');
      await httpGet(port);
      const runtime = fixture.runtime();

      await runtime.stop(handle, 5_000);
      await runtime.remove(handle);

      expect(await readdir(join(work, 'instances'))).not.toContain(handle.instanceId);
      const state = await runc(findRunc() as string, join(work, 'state', 'runc'), [
        'state',
        handle.containerId as string,
      ]);
      expect(state.ok).toBe(false);
    });
  });

  describe("the instance's writable layer", () => {
    writableLayerContract({
      ...fixture,
      image: () => writableImage,
      appDir: () => '/app',
      uid: INSTANCE_USER.uid,
    });
  });
});
