// A simulated cluster and workload for the scheduler bench, the same for a given seed.

/** Deterministic numbers in [0, 1) (mulberry32), so every run and every machine places the same workload. */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One of `choices`, each `[weight, value]`. */
function weighted(next, choices) {
  let left = next() * choices.reduce((sum, [weight]) => sum + weight, 0);
  for (const [weight, value] of choices) {
    left -= weight;
    if (left < 0) return value;
  }
  return choices.at(-1)[1];
}

const pick = (next, values) => values[Math.floor(next() * values.length)];

const NODE_SHAPES = [
  [3, { cpuMillis: 4000, memoryMb: 8192 }],
  [3, { cpuMillis: 8000, memoryMb: 16384 }],
  [2, { cpuMillis: 8000, memoryMb: 32768 }],
  [1, { cpuMillis: 16000, memoryMb: 65536 }],
  [1, { cpuMillis: 2000, memoryMb: 4096 }],
];
const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
/** Instance sizes, mostly small, as on a PaaS. */
const SIZES = [
  [30, { cpuMillis: 100, memoryMb: 128 }],
  [30, { cpuMillis: 250, memoryMb: 256 }],
  [25, { cpuMillis: 500, memoryMb: 512 }],
  [10, { cpuMillis: 1000, memoryMb: 1024 }],
  [4, { cpuMillis: 2000, memoryMb: 4096 }],
  [1, { cpuMillis: 4000, memoryMb: 8192 }],
  [0.5, { cpuMillis: 8000, memoryMb: 32768 }],
];

/** Nodes of varied shapes across three zones, a few not ready or cordoned, some already partly busy. */
export function simulatedNodes(next, count) {
  return Array.from({ length: count }, (_, i) => {
    const capacity = weighted(next, NODE_SHAPES);
    const busy = next() < 0.3 ? next() * 0.4 : 0;
    return {
      id: `node-id-${i}`,
      name: `node-${String(i).padStart(4, '0')}`,
      ready: next() >= 0.02,
      cordoned: next() < 0.01,
      labels: {
        zone: pick(next, ZONES),
        tier: capacity.memoryMb / capacity.cpuMillis >= 4 ? 'highmem' : 'standard',
      },
      runtimes: next() < 0.7 ? ['process', 'oci'] : ['process'],
      capacity,
      allocated: {
        cpuMillis: Math.round(capacity.cpuMillis * busy),
        memoryMb: Math.round(capacity.memoryMb * busy),
      },
      appInstances: {},
    };
  });
}

/** Apps with a namespace, a size, a runtime and sometimes a node selector. */
function simulatedApps(next, count, namespaces) {
  return Array.from({ length: count }, (_, i) => {
    const selector = weighted(next, [
      [85, undefined],
      [10, { zone: pick(next, ZONES) }],
      [5, { tier: 'highmem' }],
      // A zone without nodes, as a typo makes: every one of its instances is unschedulable.
      [0.5, { zone: 'eu-west-2a' }],
    ]);
    return {
      appId: `app-${i}`,
      namespaceId: pick(next, namespaces),
      ...weighted(next, SIZES),
      runtime: next() < 0.2 ? 'oci' : 'process',
      ...(selector && { nodeSelector: selector }),
    };
  });
}

/**
 * `count` instances over `appCount` apps, app k weighing 1/√k (the largest app gets a few hundred
 * replicas, most get a handful), in a shuffled order.
 */
export function simulatedRequests(next, { instances, apps: appCount, namespaces }) {
  const apps = simulatedApps(next, appCount, namespaces);
  const choices = apps.map((app, k) => [1 / Math.sqrt(k + 1), app]);
  const requests = Array.from({ length: instances }, (_, i) => ({
    instanceId: `instance-${i}`,
    ...weighted(next, choices),
  }));
  for (let i = requests.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [requests[i], requests[j]] = [requests[j], requests[i]];
  }
  return requests;
}

/** One unlimited namespace, and limits on instances, memory and cpu that the workload outgrows. */
export function simulatedQuotas(namespaces, instances) {
  const used = () => ({ instances: 0, memoryMb: 0, cpuMillis: 0 });
  const limits = [
    { maxInstances: null, maxMemoryMb: null, maxCpuMillis: null },
    { maxInstances: Math.round(instances * 0.15), maxMemoryMb: null, maxCpuMillis: null },
    { maxInstances: null, maxMemoryMb: Math.round(instances * 80), maxCpuMillis: null },
    { maxInstances: null, maxMemoryMb: null, maxCpuMillis: Math.round(instances * 80) },
  ];
  return namespaces
    .slice(0, limits.length)
    .map((namespaceId, i) => ({ namespaceId, ...limits[i], used: used() }));
}
