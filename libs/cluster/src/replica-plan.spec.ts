import { planReplicas, type ReplicaFormation, type ReplicaInstance } from './replica-plan';

const now = new Date('2026-01-01T00:01:00.000Z');
const web: ReplicaFormation = {
  processType: 'web',
  replicas: 2,
  maxSurge: '25%',
  maxUnavailable: '0',
  cpuMillis: 250,
  memoryMb: 256,
};
const nodes = new Map([['n1', { ready: true }]]);
let next = 0;
const instance = (overrides: Partial<ReplicaInstance> = {}): ReplicaInstance => ({
  id: `i${++next}`,
  kind: 'service',
  processType: 'web',
  releaseVersion: 1,
  desiredState: 'running',
  phase: 'running',
  nodeId: 'n1',
  drainingSince: null,
  ready: true,
  evicted: false,
  createdAt: new Date(now.getTime() - 60_000 + next),
  ...overrides,
});
const plan = (instances: ReplicaInstance[], release: { version: number } | null = { version: 2 }) =>
  planReplicas({
    now,
    drainDelayMs: 2000,
    release: release && { version: release.version, processTypes: { web: 'node web.js' } },
    formations: [web],
    instances,
    nodes,
  });

describe(planReplicas.name, () => {
  it('should create the replicas of the first release', () => {
    expect(plan([], { version: 1 })).toEqual({
      stop: [],
      drain: [],
      create: [{ processType: 'web', count: 2, cpuMillis: 250, memoryMb: 256 }],
      recheckInMs: null,
    });
  });

  it('should surge one new instance and keep the old ones serving during a rollout', () => {
    const result = plan([instance(), instance()]);
    expect(result.create).toEqual([{ processType: 'web', count: 1, cpuMillis: 250, memoryMb: 256 }]);
    expect(result.drain).toEqual([]);
  });

  it('should retire an old instance once a new one serves, and look again when its drain ends', () => {
    const old = [instance(), instance()];
    const result = plan([...old, instance({ releaseVersion: 2 })]);
    expect(result.drain).toHaveLength(1);
    expect(result.recheckInMs).toBe(2000);
  });

  it('should stop draining instances whose delay is over and wait for the others', () => {
    const over = instance({ drainingSince: new Date(now.getTime() - 2000) });
    const waiting = instance({ drainingSince: new Date(now.getTime() - 500) });
    const result = plan([over, waiting, instance({ releaseVersion: 2 }), instance({ releaseVersion: 2 })]);
    expect(result.stop).toEqual([over]);
    expect(result.recheckInMs).toBe(1500);
  });

  it('should drain every service without a release, and those of types the release lacks', () => {
    const a = instance();
    const clock = instance({ processType: 'clock' });
    expect(plan([a, clock], null).drain).toEqual([a.id, clock.id]);
    expect(plan([instance({ releaseVersion: 2 }), instance({ releaseVersion: 2 }), clock]).drain).toEqual([
      clock.id,
    ]);
  });

  it('should leave one-offs and finished one-offs alone', () => {
    const oneoff = instance({ kind: 'oneoff', processType: 'run', phase: 'exited' });
    const result = plan([instance({ releaseVersion: 2 }), instance({ releaseVersion: 2 }), oneoff]);
    expect(result).toEqual({ stop: [], drain: [], create: [], recheckInMs: null });
  });
});
