import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlane, ImageCache, NodeAgent, PortAllocator, ProcessRuntime } from '@nimbus/agent';
import { createLogger } from '@nimbus/logging';
import { startTestGateway, type TestGateway } from './support/gateway';

const digest = (fill: string) => `sha256:${fill.repeat(64)}`;

const eventually = async <T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string) => {
  let last: T | undefined;
  for (let attempt = 0; attempt < 100; attempt++) {
    last = await read();
    if (accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}; last saw ${JSON.stringify(last)}`);
};

/**
 * An agent in-process against a real gateway: its lease renewals name the images its node has
 * unpacked, which the scheduler reads from the node, and it evicts those beyond its cache's size.
 */
describe('the node image report', () => {
  const joinToken = randomBytes(24).toString('hex');
  let gateway: TestGateway;
  let work: string;
  let agent: NodeAgent | null = null;

  beforeAll(async () => {
    gateway = await startTestGateway({ NIMBUS_NODE_JOIN_TOKEN: joinToken, NIMBUS_NODE_LEASE_DURATION: '2s' });
    work = await mkdtemp(join(tmpdir(), 'nimbus-image-report-'));
  });
  afterAll(async () => {
    await agent?.stop();
    await gateway.close();
    await rm(work, { recursive: true, force: true });
  });

  it('should report the unpacked images, most recent first, then those left after eviction', async () => {
    const cacheDir = join(work, 'images');
    // Three images unpacked by an earlier agent, used an hour, a minute and a second ago.
    const ages = { a: 3_600_000, b: 60_000, c: 1000 };
    for (const [fill, age] of Object.entries(ages)) {
      const dir = join(cacheDir, fill.repeat(64));
      await mkdir(dir, { recursive: true });
      const at = new Date(Date.now() - age);
      await utimes(dir, at, at);
    }
    const images = new ImageCache({
      cacheDir,
      source: { kind: 'layout', root: join(work, 'layouts') },
      keep: 2,
    });
    const evict = jest.spyOn(images, 'evict');
    const controlPlane = new ControlPlane(gateway.url);
    agent = new NodeAgent({
      controlPlane,
      registration: {
        name: 'node-images',
        address: '127.0.0.1',
        capacity: { cpuMillis: 2000, memoryMb: 2048 },
        labels: {},
        runtimes: ['process'],
      },
      joinToken,
      stateDir: join(work, 'agent'),
      runtimes: new Map([['process', new ProcessRuntime({ hostPath: process.env.PATH ?? '/usr/bin:/bin' })]]),
      pullImage: (repository, image) => images.ensure(repository, image),
      images,
      followLogs: () => async () => undefined,
      ports: new PortAllocator({ low: 41000, high: 41099 }),
      livenessPeriodMs: 5000,
      livenessFailures: 3,
      logger: createLogger({ service: 'agent', level: 'error' }),
    });
    const node = await agent.start();
    const reported = () =>
      gateway.db.node.findUniqueOrThrow({ where: { id: node.id } }).then((row) => row.cachedImages);

    // The first renewal, before the agent has listed its assignments, evicts nothing.
    expect(await reported()).toEqual([digest('c'), digest('b'), digest('a')]);
    expect(evict).not.toHaveBeenCalled();

    await eventually(reported, (list) => list.length === 2, 'the report after eviction');
    expect(await reported()).toEqual([digest('c'), digest('b')]);
    expect((await readdir(cacheDir)).sort()).toEqual(['b'.repeat(64), 'c'.repeat(64)]);
    expect(evict).toHaveBeenCalledWith([]);
  });
});
