import { NamespaceQuota, Placement, PlacementRequest, SchedulableNode, Scheduler } from './scheduler';

function node(name: string, overrides: Partial<SchedulableNode> = {}): SchedulableNode {
  return {
    id: `id-${name}`,
    name,
    ready: true,
    cordoned: false,
    labels: {},
    runtimes: ['process', 'oci'],
    capacity: { cpuMillis: 4000, memoryMb: 8192 },
    allocated: { cpuMillis: 0, memoryMb: 0 },
    appInstances: {},
    ...overrides,
  };
}

let instanceSeq = 0;
function request(overrides: Partial<PlacementRequest> = {}): PlacementRequest {
  instanceSeq += 1;
  return {
    instanceId: `instance-${instanceSeq}`,
    appId: 'app-1',
    namespaceId: 'ns-1',
    cpuMillis: 500,
    memoryMb: 512,
    runtime: 'process',
    ...overrides,
  };
}

function quota(overrides: Partial<NamespaceQuota> = {}): NamespaceQuota {
  return {
    namespaceId: 'ns-1',
    maxInstances: null,
    maxMemoryMb: null,
    maxCpuMillis: null,
    used: { instances: 0, memoryMb: 0, cpuMillis: 0 },
    ...overrides,
  };
}

const reasonOf = (placement: Placement) => (placement.nodeId === null ? placement.reason : null);

/** Node ids of `count` replicas of one app, placed in turn. */
function replicas(scheduler: Scheduler, count: number, appId = 'app-1'): (string | null)[] {
  return Array.from({ length: count }, () => scheduler.place(request({ appId })).nodeId);
}

function tally(nodeIds: (string | null)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of nodeIds) counts[String(id)] = (counts[String(id)] ?? 0) + 1;
  return counts;
}

describe(Scheduler.name, () => {
  describe('filters', () => {
    it.each([
      ['not ready', node('a', { ready: false }), request(), 'not ready'],
      ['cordoned', node('a', { cordoned: true }), request(), 'cordoned'],
      [
        'labels',
        node('a', { labels: { zone: 'b' } }),
        request({ nodeSelector: { zone: 'a' } }),
        'not matching the node selector',
      ],
      [
        'runtime',
        node('a', { runtimes: ['process'] }),
        request({ runtime: 'oci' }),
        'without the oci runtime',
      ],
      [
        'cpu',
        node('a', { allocated: { cpuMillis: 3600, memoryMb: 0 } }),
        request({ cpuMillis: 500 }),
        'insufficient cpu',
      ],
      [
        'memory',
        node('a', { allocated: { cpuMillis: 0, memoryMb: 8000 } }),
        request({ memoryMb: 512 }),
        'insufficient memory',
      ],
    ])('should leave out a node failing on %s', (_, failing, req, text) => {
      const placement = new Scheduler([failing]).place(req);

      expect(placement).toEqual({
        instanceId: req.instanceId,
        nodeId: null,
        reason: `0/1 nodes available: 1 ${text}`,
      });
    });

    it('should place on the one node passing every filter', () => {
      const scheduler = new Scheduler([
        node('a', { ready: false }),
        node('b', { cordoned: true }),
        node('c', { runtimes: ['process'] }),
        node('d', { capacity: { cpuMillis: 100, memoryMb: 8192 } }),
        node('e'),
      ]);

      expect(scheduler.place(request({ runtime: 'oci' })).nodeId).toBe('id-e');
    });

    it('should fit a request that uses exactly the free capacity', () => {
      const scheduler = new Scheduler([node('a', { allocated: { cpuMillis: 3500, memoryMb: 7680 } })]);

      expect(scheduler.place(request({ cpuMillis: 500, memoryMb: 512 })).nodeId).toBe('id-a');
    });

    it('should treat a node without capacity as full, not as a NaN score', () => {
      const scheduler = new Scheduler([node('a', { capacity: { cpuMillis: 0, memoryMb: 0 } }), node('b')]);

      expect(scheduler.place(request({ cpuMillis: 0, memoryMb: 0 })).nodeId).toBe('id-b');
    });
  });

  describe('the reason text', () => {
    it('should count the nodes failing each filter, in filter order', () => {
      const scheduler = new Scheduler([
        node('a', { allocated: { cpuMillis: 0, memoryMb: 8192 } }),
        node('b', { cordoned: true }),
        node('c', { ready: false }),
      ]);

      expect(reasonOf(scheduler.place(request()))).toBe(
        '0/3 nodes available: 1 not ready, 1 cordoned, 1 insufficient memory',
      );
    });

    it('should count a node under the first filter it fails only', () => {
      const scheduler = new Scheduler([node('a', { ready: false, cordoned: true, runtimes: [] })]);

      expect(reasonOf(scheduler.place(request()))).toBe('0/1 nodes available: 1 not ready');
    });

    it('should count a node short of both cpu and memory under both', () => {
      const scheduler = new Scheduler([
        node('a', { allocated: { cpuMillis: 4000, memoryMb: 8192 } }),
        node('b', { allocated: { cpuMillis: 4000, memoryMb: 0 } }),
      ]);

      expect(reasonOf(scheduler.place(request()))).toBe(
        '0/2 nodes available: 2 insufficient cpu, 1 insufficient memory',
      );
    });

    it('should say so when there are no nodes', () => {
      expect(reasonOf(new Scheduler([]).place(request()))).toBe('0/0 nodes available: no nodes registered');
    });

    it('should refuse a request with a negative or non-finite amount', () => {
      const scheduler = new Scheduler([node('a')]);

      expect(reasonOf(scheduler.place(request({ memoryMb: -1 })))).toBe(
        'invalid request: memoryMb must be a number >= 0, not -1',
      );
      expect(reasonOf(scheduler.place(request({ cpuMillis: NaN })))).toBe(
        'invalid request: cpuMillis must be a number >= 0, not NaN',
      );
    });
  });

  describe('namespace quota', () => {
    it.each([
      [
        'instances',
        quota({ maxInstances: 3, used: { instances: 3, memoryMb: 0, cpuMillis: 0 } }),
        'instances 3/3 in use',
      ],
      [
        'memory',
        quota({ maxMemoryMb: 512, used: { instances: 1, memoryMb: 512, cpuMillis: 0 } }),
        'memory 512/512 MiB in use, 512 MiB more requested',
      ],
      [
        'cpu',
        quota({ maxCpuMillis: 1000, used: { instances: 1, memoryMb: 0, cpuMillis: 600 } }),
        'cpu 600/1000 millicores in use, 500 more requested',
      ],
    ])('should refuse a request over the %s limit', (_, limit, text) => {
      const scheduler = new Scheduler([node('a')], [limit]);

      expect(reasonOf(scheduler.place(request()))).toBe(`namespace quota exceeded: ${text}`);
    });

    it('should name every limit the request would break', () => {
      const limit = quota({
        maxInstances: 1,
        maxMemoryMb: 256,
        used: { instances: 1, memoryMb: 0, cpuMillis: 0 },
      });
      const scheduler = new Scheduler([node('a')], [limit]);

      expect(reasonOf(scheduler.place(request()))).toBe(
        'namespace quota exceeded: instances 1/1 in use; memory 0/256 MiB in use, 512 MiB more requested',
      );
    });

    it('should check the quota before the nodes', () => {
      const scheduler = new Scheduler([], [quota({ maxInstances: 0 })]);

      expect(reasonOf(scheduler.place(request()))).toBe('namespace quota exceeded: instances 0/0 in use');
    });

    it('should count its own placements against the quota, and only in their namespace', () => {
      const limit = quota({ maxMemoryMb: 1024 });
      const scheduler = new Scheduler([node('a')], [limit]);

      const placed = [scheduler.place(request()), scheduler.place(request())];
      const over = scheduler.place(request());
      const elsewhere = scheduler.place(request({ namespaceId: 'ns-2' }));

      expect(placed.map((placement) => placement.nodeId)).toEqual(['id-a', 'id-a']);
      expect(reasonOf(over)).toBe(
        'namespace quota exceeded: memory 1024/1024 MiB in use, 512 MiB more requested',
      );
      expect(elsewhere.nodeId).toBe('id-a');
      expect(limit.used).toEqual({ instances: 0, memoryMb: 0, cpuMillis: 0 });
    });

    it('should not count a request that found no node', () => {
      const scheduler = new Scheduler(
        [node('a', { capacity: { cpuMillis: 4000, memoryMb: 600 } })],
        [quota({ maxInstances: 1 })],
      );

      expect(reasonOf(scheduler.place(request({ memoryMb: 1024 })))).toBe(
        '0/1 nodes available: 1 insufficient memory',
      );
      expect(scheduler.place(request({ memoryMb: 512 })).nodeId).toBe('id-a');
    });
  });

  describe('least allocated', () => {
    it('should prefer the node with the larger free fraction, not the most free capacity', () => {
      const scheduler = new Scheduler([
        node('big', {
          capacity: { cpuMillis: 16000, memoryMb: 65536 },
          allocated: { cpuMillis: 12000, memoryMb: 49152 },
        }),
        node('small', { capacity: { cpuMillis: 2000, memoryMb: 4096 } }),
      ]);

      expect(scheduler.place(request()).nodeId).toBe('id-small');
    });

    it('should average the cpu and memory fractions', () => {
      // After placement, a: cpu 0.95, memory 0.25 free (mean 0.6); b: 0.55 and 0.55 (mean 0.55).
      const scheduler = new Scheduler([
        node('a', {
          capacity: { cpuMillis: 10000, memoryMb: 10000 },
          allocated: { cpuMillis: 0, memoryMb: 7000 },
        }),
        node('b', {
          capacity: { cpuMillis: 10000, memoryMb: 10000 },
          allocated: { cpuMillis: 4000, memoryMb: 4000 },
        }),
      ]);

      expect(scheduler.place(request({ cpuMillis: 500, memoryMb: 500 })).nodeId).toBe('id-a');
    });

    it('should see its earlier placements in later requests', () => {
      const scheduler = new Scheduler([node('a'), node('b')]);

      const first = scheduler.place(request({ appId: 'one' }));
      const second = scheduler.place(request({ appId: 'two' }));

      expect([first.nodeId, second.nodeId]).toEqual(['id-a', 'id-b']);
    });

    it('should refuse what no longer fits once earlier placements took the room', () => {
      const scheduler = new Scheduler([node('a', { capacity: { cpuMillis: 1000, memoryMb: 1024 } })]);

      expect(scheduler.place(request()).nodeId).toBe('id-a');
      expect(scheduler.place(request()).nodeId).toBe('id-a');
      expect(reasonOf(scheduler.place(request()))).toBe(
        '0/1 nodes available: 1 insufficient cpu, 1 insufficient memory',
      );
    });
  });

  describe('spreading', () => {
    it('should put 3 replicas on 2 equal nodes 2+1', () => {
      const scheduler = new Scheduler([node('a'), node('b')]);

      expect(tally(replicas(scheduler, 3))).toEqual({ 'id-a': 2, 'id-b': 1 });
    });

    it('should put 3 replicas on 2 equal-capacity nodes 2+1 however unequally loaded', () => {
      // Room for one small replica on a, which then scores about 2 for least-allocated; b about 96.
      const scheduler = new Scheduler([
        node('a', { allocated: { cpuMillis: 3800, memoryMb: 8000 } }),
        node('b', { allocated: { cpuMillis: 0, memoryMb: 0 } }),
      ]);

      const placed = Array.from({ length: 3 }, () =>
        scheduler.place(request({ cpuMillis: 100, memoryMb: 128 })),
      );

      expect(tally(placed.map((placement) => placement.nodeId))).toEqual({ 'id-a': 1, 'id-b': 2 });
    });

    it('should put 4 replicas on 4 nodes one each, however unequally loaded', () => {
      const scheduler = new Scheduler([
        node('a'),
        node('b', { allocated: { cpuMillis: 3800, memoryMb: 0 } }),
        node('c', { allocated: { cpuMillis: 0, memoryMb: 8000 } }),
        node('d', { allocated: { cpuMillis: 3800, memoryMb: 8000 } }),
      ]);

      const placed = Array.from({ length: 4 }, () =>
        scheduler.place(request({ cpuMillis: 100, memoryMb: 128 })),
      );

      expect(tally(placed.map((placement) => placement.nodeId))).toEqual({
        'id-a': 1,
        'id-b': 1,
        'id-c': 1,
        'id-d': 1,
      });
    });

    it('should let load outweigh a one-instance difference once the app runs several per node', () => {
      // Spreading scores 2 × 100 × (most − count) / most: a leads b by 50, b leads a by about 80 on load.
      const scheduler = new Scheduler([
        node('a', { appInstances: { 'app-1': 3 }, allocated: { cpuMillis: 3400, memoryMb: 7000 } }),
        node('b', { appInstances: { 'app-1': 4 } }),
      ]);

      expect(replicas(scheduler, 1)).toEqual(['id-b']);
    });

    it('should count the instances the nodes already run', () => {
      const scheduler = new Scheduler([node('a', { appInstances: { 'app-1': 1 } }), node('b')]);

      expect(replicas(scheduler, 1)).toEqual(['id-b']);
    });

    it('should spread each app on its own', () => {
      const scheduler = new Scheduler([node('a', { appInstances: { other: 5 } }), node('b')]);

      expect(replicas(scheduler, 2)).toEqual(['id-a', 'id-b']);
    });

    it('should stack replicas when only one node fits them', () => {
      const scheduler = new Scheduler([node('a'), node('b', { runtimes: ['process'] })]);

      const placed = [1, 2].map(() => scheduler.place(request({ runtime: 'oci' })).nodeId);

      expect(placed).toEqual(['id-a', 'id-a']);
    });
  });

  describe('image locality', () => {
    const IMAGE = `sha256:${'1'.repeat(64)}`;
    // b has the image; a, first by name, wins every tie without it. Only cpu is loaded, so every
    // 800 millicores allocated on b costs it 10 least-allocated points against a.
    it.each([
      ['equal load', 0, 'id-b'],
      ['10 points less free', 800, 'id-b'],
      ['20 points less free', 1600, 'id-b'],
      ['25 points less free: a tie, by name', 2000, 'id-a'],
      ['30 points less free', 2400, 'id-a'],
      ['40 points less free', 3200, 'id-a'],
    ])(
      'with the image node at %s (%i millicores allocated), should place on %s',
      (_, cpuMillis, expected) => {
        const scheduler = new Scheduler([
          node('a'),
          node('b', { cachedImages: [IMAGE], allocated: { cpuMillis, memoryMb: 0 } }),
        ]);

        expect(scheduler.place(request({ imageDigest: IMAGE })).nodeId).toBe(expected);
      },
    );

    it.each([
      ['the request names no image', undefined, [IMAGE]],
      ['the node has another image', IMAGE, [`sha256:${'2'.repeat(64)}`]],
      ['the node reported no images', IMAGE, []],
    ])('should not prefer a node when %s', (_, imageDigest, cachedImages) => {
      const scheduler = new Scheduler([node('a'), node('b', { cachedImages })]);

      expect(scheduler.place(request(imageDigest ? { imageDigest } : {})).nodeId).toBe('id-a');
    });

    it.each([
      ['not ready', { ready: false }],
      ['cordoned', { cordoned: true }],
      ['without the runtime', { runtimes: ['oci'] }],
      ['short of memory', { allocated: { cpuMillis: 0, memoryMb: 8000 } }],
    ])('should not place on a node with the image that is %s', (_, overrides) => {
      const scheduler = new Scheduler([node('a', { cachedImages: [IMAGE], ...overrides }), node('b')]);

      expect(scheduler.place(request({ imageDigest: IMAGE })).nodeId).toBe('id-b');
    });

    it('should let spreading outweigh the image', () => {
      const scheduler = new Scheduler([
        node('a', { cachedImages: [IMAGE], appInstances: { 'app-1': 1 } }),
        node('b'),
      ]);

      expect(scheduler.place(request({ imageDigest: IMAGE })).nodeId).toBe('id-b');
    });

    it('should send a scale from zero to the node with the image, then spread', () => {
      const scheduler = new Scheduler([node('a'), node('b', { cachedImages: [IMAGE] }), node('c')]);

      const placed = Array.from({ length: 3 }, () => scheduler.place(request({ imageDigest: IMAGE })).nodeId);

      expect(placed).toEqual(['id-b', 'id-a', 'id-c']);
    });

    it('should count an image reported twice once', () => {
      // 40 points less free: more than one bonus makes up for, less than two.
      const scheduler = new Scheduler([
        node('a'),
        node('b', { cachedImages: [IMAGE, IMAGE], allocated: { cpuMillis: 3200, memoryMb: 0 } }),
      ]);

      expect(scheduler.place(request({ imageDigest: IMAGE })).nodeId).toBe('id-a');
    });
  });

  describe('node selector', () => {
    const nodes = () => [
      node('a', { labels: { zone: 'eu-1', tier: 'standard' } }),
      node('b', { labels: { zone: 'eu-1', tier: 'gpu' } }),
      node('c', { labels: { zone: 'us-1', tier: 'gpu' } }),
    ];

    it('should require every key with its value', () => {
      const scheduler = new Scheduler(nodes());

      expect(scheduler.place(request({ nodeSelector: { zone: 'eu-1', tier: 'gpu' } })).nodeId).toBe('id-b');
      expect(scheduler.place(request({ nodeSelector: { tier: 'gpu', zone: 'us-1' } })).nodeId).toBe('id-c');
    });

    it('should not match a node lacking the key', () => {
      const scheduler = new Scheduler(nodes());

      expect(reasonOf(scheduler.place(request({ nodeSelector: { rack: '' } })))).toBe(
        '0/3 nodes available: 3 not matching the node selector',
      );
    });

    it('should take an empty selector as no selector', () => {
      expect(new Scheduler(nodes()).place(request({ nodeSelector: {} })).nodeId).toBe('id-a');
    });

    it('should not confuse selectors whose joined text would be the same', () => {
      const scheduler = new Scheduler([
        node('a', { labels: { 'k=v': 'w' } }),
        node('b', { labels: { k: 'v=w' } }),
      ]);

      expect(scheduler.place(request({ nodeSelector: { 'k=v': 'w' } })).nodeId).toBe('id-a');
      expect(scheduler.place(request({ nodeSelector: { k: 'v=w' } })).nodeId).toBe('id-b');
    });
  });

  describe('determinism', () => {
    it('should break ties by node name whatever the input order', () => {
      const scheduler = new Scheduler([node('c'), node('a'), node('b')]);

      expect(replicas(scheduler, 1)).toEqual(['id-a']);
    });

    it('should place the same requests on the same nodes from any input order', () => {
      const cluster = randomCluster(7);
      const requests = randomRequests(7, 300);
      const place = (nodes: SchedulableNode[]) => {
        const scheduler = new Scheduler(nodes, [quota({ maxInstances: 40 })]);
        return requests.map((req) => scheduler.place(req));
      };

      expect(place([...cluster].reverse())).toEqual(place(cluster));
    });

    it('should return the same placement for an instance placed twice, counting it once', () => {
      const scheduler = new Scheduler([node('a', { capacity: { cpuMillis: 500, memoryMb: 512 } })]);
      const req = request();

      expect(scheduler.place(req)).toEqual({ instanceId: req.instanceId, nodeId: 'id-a' });
      expect(scheduler.place(req)).toEqual({ instanceId: req.instanceId, nodeId: 'id-a' });
      expect(reasonOf(scheduler.place(request()))).toBe(
        '0/1 nodes available: 1 insufficient cpu, 1 insufficient memory',
      );
    });

    it('should leave its inputs as they were', () => {
      const nodes = [node('a', { appInstances: { 'app-1': 1 } }), node('b')];
      const before = structuredClone(nodes);

      replicas(new Scheduler(nodes), 3);

      expect(nodes).toEqual(before);
    });

    it('should refuse a snapshot with one node id twice', () => {
      expect(() => new Scheduler([node('a'), node('b', { id: 'id-a' })])).toThrow(/id-a appears twice/);
    });
  });

  describe('against a plain reference implementation', () => {
    it.each([1, 2, 3, 4, 5])('should place as the reference does (seed %i)', (seed) => {
      const cluster = randomCluster(seed);
      const requests = randomRequests(seed, 400);
      const quotas = [
        quota({ maxInstances: 60, maxMemoryMb: 40_000 }),
        quota({ namespaceId: 'ns-2', maxCpuMillis: 20_000 }),
      ];
      const scheduler = new Scheduler(cluster, quotas);
      const reference = referenceScheduler(cluster, quotas);

      const actual = requests.map((req) => scheduler.place(req));
      const expected = requests.map((req) => reference(req));

      expect(actual).toEqual(expected);
      expect(actual.filter((placement) => placement.nodeId === null).length).toBeGreaterThan(0);
      expect(actual.filter((placement) => placement.nodeId !== null).length).toBeGreaterThan(100);
    });
  });
});

/** Deterministic numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

/** Few distinct shapes, so that ties, and so the tie-break, are common. */
function randomCluster(seed: number): SchedulableNode[] {
  const next = random(seed);
  return Array.from({ length: 30 }, (_, i) =>
    node(`node-${String(i).padStart(2, '0')}`, {
      ready: next() > 0.1,
      cordoned: next() < 0.1,
      labels: { zone: pick(next, ['a', 'b', 'c']) },
      runtimes: next() < 0.3 ? ['process'] : ['process', 'oci'],
      capacity: pick(next, [
        { cpuMillis: 2000, memoryMb: 4096 },
        { cpuMillis: 4000, memoryMb: 8192 },
      ]),
      allocated: { cpuMillis: pick(next, [0, 500, 1000]), memoryMb: pick(next, [0, 1024]) },
      appInstances: next() < 0.3 ? { [`app-${Math.floor(next() * 10)}`]: 1 } : {},
      cachedImages: Array.from({ length: 10 }, (_, app) => `image-app-${app}`).filter(() => next() < 0.3),
    }),
  );
}

function randomRequests(seed: number, count: number): PlacementRequest[] {
  const next = random(seed * 7919);
  return Array.from({ length: count }, (_, i) => ({
    instanceId: `r${seed}-${i}`,
    appId: `app-${Math.floor(next() * 10)}`,
    namespaceId: pick(next, ['ns-1', 'ns-2', 'ns-3']),
    cpuMillis: pick(next, [100, 250, 500, 1000]),
    memoryMb: pick(next, [128, 256, 512, 1024]),
    runtime: next() < 0.2 ? 'oci' : 'process',
    ...(next() < 0.2 ? { nodeSelector: { zone: pick(next, ['a', 'b', 'c']) } } : {}),
  })).map((req, i) => (i % 5 === 0 ? req : { ...req, imageDigest: `image-${req.appId}` }));
}

/** The rules written the slow and obvious way, to check the fast path's caches and scratch arrays. */
function referenceScheduler(
  nodes: SchedulableNode[],
  quotas: NamespaceQuota[],
): (req: PlacementRequest) => Placement {
  const state = structuredClone(nodes).sort((a, b) => (a.name < b.name ? -1 : 1));
  const limits = new Map(structuredClone(quotas).map((limit) => [limit.namespaceId, limit]));
  return (req) => {
    const limit = limits.get(req.namespaceId);
    if (
      limit &&
      ((limit.maxInstances !== null && limit.used.instances + 1 > limit.maxInstances) ||
        (limit.maxMemoryMb !== null && limit.used.memoryMb + req.memoryMb > limit.maxMemoryMb) ||
        (limit.maxCpuMillis !== null && limit.used.cpuMillis + req.cpuMillis > limit.maxCpuMillis))
    ) {
      return new Scheduler([], [limit]).place(req);
    }
    const feasible = state.filter(
      (n) =>
        n.ready &&
        !n.cordoned &&
        Object.entries(req.nodeSelector ?? {}).every(([key, value]) => n.labels[key] === value) &&
        n.runtimes.includes(req.runtime) &&
        n.capacity.cpuMillis - n.allocated.cpuMillis >= req.cpuMillis &&
        n.capacity.memoryMb - n.allocated.memoryMb >= req.memoryMb,
    );
    if (!feasible.length) return new Scheduler(state).place(req);
    const count = (n: SchedulableNode) => n.appInstances[req.appId] ?? 0;
    const most = Math.max(...feasible.map(count));
    const score = (n: SchedulableNode) =>
      Math.round(
        (((n.capacity.cpuMillis - n.allocated.cpuMillis - req.cpuMillis) / n.capacity.cpuMillis +
          (n.capacity.memoryMb - n.allocated.memoryMb - req.memoryMb) / n.capacity.memoryMb) *
          50 +
          (most === 0 ? 200 : (200 * (most - count(n))) / most) +
          (req.imageDigest !== undefined && n.cachedImages?.includes(req.imageDigest) ? 25 : 0)) *
          1e9,
      );
    // The first of equals (in name order) wins.
    const best = feasible.reduce((a, b) => (score(b) > score(a) ? b : a));
    best.allocated.cpuMillis += req.cpuMillis;
    best.allocated.memoryMb += req.memoryMb;
    best.appInstances[req.appId] = count(best) + 1;
    if (limit) {
      limit.used.instances += 1;
      limit.used.memoryMb += req.memoryMb;
      limit.used.cpuMillis += req.cpuMillis;
    }
    return { instanceId: req.instanceId, nodeId: best.id };
  };
}
