import type { RolloutInstance } from './rollout-health';
import { instanceIsAvailable, judgeRollout, rolloutIsComplete, type RolloutService } from './rollout-status';

const service = (overrides: Partial<RolloutService> = {}): RolloutService => ({
  processType: 'web',
  releaseVersion: 2,
  drainingSince: null,
  available: true,
  ...overrides,
});

describe(instanceIsAvailable.name, () => {
  it('should serve only when ready, running and on a ready node', () => {
    expect(instanceIsAvailable({ ready: true, phase: 'running' }, { ready: true })).toBe(true);
    expect(instanceIsAvailable({ ready: false, phase: 'running' }, { ready: true })).toBe(false);
    expect(instanceIsAvailable({ ready: true, phase: 'starting' }, { ready: true })).toBe(false);
    expect(instanceIsAvailable({ ready: true, phase: 'running' }, { ready: false })).toBe(false);
    expect(instanceIsAvailable({ ready: true, phase: 'running' }, undefined)).toBe(false);
  });
});

describe(rolloutIsComplete.name, () => {
  const formations = [
    { processType: 'web', replicas: 2 },
    { processType: 'worker', replicas: 0 },
  ];

  it('should be complete when each type runs its replicas of the release, all available', () => {
    expect(rolloutIsComplete(2, formations, [service(), service()])).toBe(true);
  });

  it('should not be complete while an instance of the release is not available', () => {
    expect(rolloutIsComplete(2, formations, [service(), service({ available: false })])).toBe(false);
  });

  it('should not be complete while an old instance is left, even draining', () => {
    const old = service({ releaseVersion: 1, drainingSince: new Date() });
    expect(rolloutIsComplete(2, formations, [service(), service(), old])).toBe(false);
  });

  it('should not count draining instances of the release towards its replicas', () => {
    const draining = service({ drainingSince: new Date() });
    expect(rolloutIsComplete(2, formations, [service(), draining])).toBe(false);
    expect(rolloutIsComplete(2, formations, [service(), service(), draining])).toBe(true);
  });

  it('should not be complete with more replicas than asked for', () => {
    expect(rolloutIsComplete(2, formations, [service(), service(), service()])).toBe(false);
  });
});

describe(judgeRollout.name, () => {
  const now = new Date('2026-01-01T00:01:00.000Z');
  const newInstance = (overrides: Partial<RolloutService & RolloutInstance> = {}) => ({
    ...service(),
    phase: 'running',
    ready: true,
    restarts: 0,
    exitCode: null,
    reason: null,
    message: null,
    lastFailure: null,
    ...overrides,
  });
  const judge = (services: ReturnType<typeof newInstance>[], deadlineAt = new Date(now.getTime() + 5000)) =>
    judgeRollout({
      version: 2,
      formations: [{ processType: 'web', replicas: 1 }],
      services,
      now,
      deadlineAt,
      maxRestarts: 2,
      progressDeadlineMs: 120_000,
    });

  it('should complete a rollout whose release serves', () => {
    expect(judge([newInstance()])).toEqual({ status: 'complete' });
  });

  it('should wait until the deadline while instances start', () => {
    expect(judge([newInstance({ available: false, ready: false, phase: 'starting' })])).toEqual({
      status: 'progressing',
      recheckInMs: 5000,
    });
  });

  it('should fail at once when a new instance keeps crashing', () => {
    const crashing = newInstance({
      available: false,
      ready: false,
      restarts: 2,
      reason: 'Error',
      exitCode: 1,
    });
    expect(judge([crashing])).toEqual({
      status: 'failed',
      reason: 'v2 failed: web crashed: exit 1',
      cause: 'web crashed: exit 1',
    });
  });

  it('should fail when the deadline passes first, saying what it waited for', () => {
    const starting = newInstance({ available: false, ready: false, phase: 'starting' });
    expect(judge([starting], now)).toEqual({
      status: 'failed',
      reason: 'v2 did not become ready within 120s: 1 instance starting, not ready',
      cause: '1 instance starting, not ready',
    });
  });
});
