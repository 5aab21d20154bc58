import { describeFailure, describeStall, failedInstance, type RolloutInstance } from './rollout-health';

const instance = (change: Partial<RolloutInstance>): RolloutInstance => ({
  processType: 'web',
  phase: 'running',
  ready: false,
  restarts: 0,
  exitCode: null,
  reason: null,
  message: null,
  lastFailure: null,
  ...change,
});

describe('rollout health', () => {
  it('should find an instance that failed as often as allowed without becoming ready', () => {
    const crashing = instance({ phase: 'crashloop', restarts: 2, reason: 'Error', exitCode: 127 });
    expect(failedInstance([instance({ restarts: 1 }), crashing], 2)).toBe(crashing);
    expect(failedInstance([instance({ restarts: 1 })], 2)).toBeNull();
    // A pull or start that failed may go through next time: the progress deadline judges those.
    expect(failedInstance([instance({ restarts: 5, reason: 'ImagePullError' })], 2)).toBeNull();
    expect(failedInstance([instance({ restarts: 5, reason: 'StartError' })], 2)).toBeNull();
    // It came up after all: a slow start that crashed once is not a failure.
    expect(failedInstance([instance({ restarts: 3, ready: true })], 2)).toBeNull();
  });

  it('should name the process type, the kind of failure and what the instance last said', () => {
    expect(
      describeFailure(
        instance({
          reason: 'Error',
          exitCode: 127,
          lastFailure: 'exit 127, `sh: 1: nosuchcommand: not found`',
        }),
      ),
    ).toBe('web crashed: exit 127, `sh: 1: nosuchcommand: not found`');
    expect(
      describeFailure(
        instance({ processType: 'worker', reason: 'Unhealthy', lastFailure: 'health check / answered 404' }),
      ),
    ).toBe('worker failed its health check: health check / answered 404');
    expect(
      describeFailure(instance({ reason: 'ImagePullError', lastFailure: 'could not pull its image: gone' })),
    ).toBe('web could not start: could not pull its image: gone');
    // From an agent that does not say more.
    expect(describeFailure(instance({ reason: 'Error', exitCode: 1 }))).toBe('web crashed: exit 1');
  });

  it('should count stalled instances by cause, with their last failure', () => {
    expect(
      describeStall([
        instance({ lastFailure: 'health check /ready answered 500' }),
        instance({ lastFailure: 'health check /ready answered 500' }),
        instance({ phase: 'pending', reason: 'Unschedulable', message: 'no node has 512 MB free' }),
        instance({ ready: true }),
      ]),
    ).toBe(
      '2 instances running, not ready: health check /ready answered 500; 1 instance Unschedulable: no node has 512 MB free',
    );
    expect(describeStall([instance({ ready: true })])).toBe('old instances could not be retired');
  });
});
