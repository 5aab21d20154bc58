import type {
  AutoscaleDecision,
  AutoscaleInput,
  BehaviorOverrides,
  MetricObservations,
} from './autoscale-types';
import { resolveBehavior } from './behavior';
import { decideReplicas } from './decide-replicas';

const NOW = Date.parse('2026-01-01T00:10:00.000Z');
const ago = (seconds: number) => NOW - seconds * 1000;
const cpu = (...utilizations: (number | null)[]) =>
  utilizations.map((utilization) => ({ ready: true, utilization }));

type Overrides = Partial<Omit<AutoscaleInput, 'observed' | 'behavior' | 'history'>> & {
  observed?: Partial<MetricObservations>;
  behavior?: BehaviorOverrides;
  history?: Partial<AutoscaleInput['history']>;
};

/** Two ready instances targeting 70% cpu, observed for a while, Kubernetes' defaults. */
function input(overrides: Overrides = {}): AutoscaleInput {
  const { observed, behavior, history, ...rest } = overrides;
  return {
    now: NOW,
    currentReplicas: 2,
    readyReplicas: 2,
    minReplicas: 1,
    maxReplicas: 10,
    targets: { cpuUtilization: 0.7 },
    tolerance: 0.1,
    panicThreshold: 2,
    panicHoldMs: 60_000,
    ...rest,
    observed: { cpu: [], concurrencyStable: null, concurrencyPanic: null, rps: null, ...observed },
    behavior: resolveBehavior(behavior),
    history: { recommendations: [], events: [], panicSince: null, observingSince: ago(15), ...history },
  };
}

const decide = (overrides: Overrides = {}) => decideReplicas(input(overrides));

describe(decideReplicas.name, () => {
  describe('recommendation', () => {
    it('should scale on cpu and say why in one line', () => {
      const decision = decide({ observed: { cpu: cpu(1.8, 1.8) } });
      expect(decision).toMatchObject({ replicas: 6, recommended: 6, limitedBy: null, panic: false });
      expect(decision.reason).toBe('cpu 180% of 70% target on 2 ready → 6');
    });

    it('should take the largest recommendation across metrics', () => {
      const decision = decide({
        targets: { cpuUtilization: 0.7, concurrency: 10, rps: 100 },
        observed: { cpu: cpu(1, 1), concurrencyStable: 50, concurrencyPanic: 20, rps: 250 },
      });
      expect(decision.metrics.map(({ metric, replicas }) => [metric, replicas])).toEqual([
        ['cpu', 3],
        ['concurrency', 5],
        ['rps', 3],
      ]);
      expect(decision.replicas).toBe(5);
      expect(decision.reason).toBe('concurrency 50 (25/instance) above 10 per instance on 2 → 5');
    });

    it('should keep the count within the tolerance', () => {
      expect(decide({ observed: { cpu: cpu(0.75, 0.75) } })).toMatchObject({ replicas: 2, limitedBy: null });
    });

    it('should scale a sleeping app on concurrency alone', () => {
      const decision = decide({
        targets: { concurrency: 5 },
        observed: { concurrencyStable: 20, concurrencyPanic: 8 },
      });
      expect(decision.replicas).toBe(4);
    });
  });

  describe('missing data', () => {
    it('should hold the count when no metric has data', () => {
      const decision = decide({ observed: { cpu: cpu(null, null) } });
      expect(decision).toMatchObject({ replicas: 2, recommended: null, limitedBy: 'noData' });
      expect(decision.reason).toBe('2 instances, held at 2: no fresh cpu data');
      expect(decision.history.recommendations).toEqual([]);
    });

    it('should not scale down while another metric has no data', () => {
      const decision = decide({
        currentReplicas: 4,
        targets: { cpuUtilization: 0.7, concurrency: 10 },
        observed: { cpu: cpu(0.1, 0.1, 0.1, 0.1) },
      });
      expect(decision).toMatchObject({ replicas: 4, recommended: 1, limitedBy: 'noData' });
      expect(decision.reason).toBe(
        'cpu 10% of 70% target on 4 ready → 1, held at 4: no fresh concurrency data',
      );
    });

    it('should still scale up while another metric has no data', () => {
      const decision = decide({
        targets: { cpuUtilization: 0.7, concurrency: 10 },
        observed: { cpu: cpu(1.4, 1.4) },
      });
      expect(decision).toMatchObject({ replicas: 4, limitedBy: null });
    });
  });

  describe('bounds', () => {
    it('should stop at max and say so', () => {
      const decision = decide({ maxReplicas: 5, observed: { cpu: cpu(1.8, 1.8) } });
      expect(decision).toMatchObject({ replicas: 5, recommended: 6, limitedBy: 'max' });
      expect(decision.reason).toBe('cpu 180% of 70% target on 2 ready → 6, limited by max 5');
    });

    it('should stop at min', () => {
      const decision = decide({
        currentReplicas: 4,
        minReplicas: 3,
        observed: { cpu: cpu(0.1, 0.1, 0.1, 0.1) },
        history: { recommendations: [] },
      });
      expect(decision).toMatchObject({ replicas: 3, limitedBy: 'min' });
      expect(decision.reason).toBe('cpu 10% of 70% target on 4 ready → 1, limited by min 3');
    });

    it('should never go below one instance with min 0 (going to zero is the idle rule)', () => {
      const decision = decide({ currentReplicas: 3, minReplicas: 0, observed: { cpu: cpu(0, 0, 0) } });
      expect(decision).toMatchObject({ replicas: 1, recommended: 0, limitedBy: 'min' });
    });

    it('should go straight to a bound that changed', () => {
      expect(decide({ currentReplicas: 12, observed: { cpu: cpu(1, 1) } })).toMatchObject({
        replicas: 10,
        limitedBy: 'max',
      });
      expect(decide({ currentReplicas: 1, minReplicas: 2, observed: { cpu: cpu(0.1) } })).toMatchObject({
        replicas: 2,
        limitedBy: 'min',
      });
    });
  });

  describe('stabilization', () => {
    it('should hold a scale-down at the highest recommendation of the last 5 minutes', () => {
      const history = { recommendations: [{ at: ago(100), replicas: 6 }] };
      const held = decide({
        currentReplicas: 6,
        observed: { cpu: cpu(0.2, 0.2, 0.2, 0.2, 0.2, 0.2) },
        history,
      });
      expect(held).toMatchObject({ replicas: 6, recommended: 2, limitedBy: 'stabilization' });
      expect(held.reason).toBe('cpu 20% of 70% target on 6 ready → 2, held at 6 by the stabilization window');
      const later = decide({
        currentReplicas: 6,
        observed: { cpu: cpu(0.2, 0.2, 0.2, 0.2, 0.2, 0.2) },
        history: { recommendations: [{ at: ago(301), replicas: 6 }] },
      });
      expect(later).toMatchObject({ replicas: 2, limitedBy: null });
    });

    it('should remember the current count when it starts observing (a new leader waits out the window)', () => {
      const decision = decide({
        currentReplicas: 4,
        observed: { cpu: cpu(0.1, 0.1, 0.1, 0.1) },
        history: { observingSince: null },
      });
      expect(decision).toMatchObject({ replicas: 4, limitedBy: 'stabilization' });
      expect(decision.history.recommendations).toEqual([
        { at: NOW, replicas: 4 },
        { at: NOW, replicas: 1 },
      ]);
    });

    it('should hold a scale-up at the lowest recommendation of a scale-up window', () => {
      const decision = decide({
        behavior: { scaleUp: { stabilizationWindowSeconds: 60 } },
        observed: { cpu: cpu(1.8, 1.8) },
        history: { recommendations: [{ at: ago(30), replicas: 3 }] },
      });
      expect(decision).toMatchObject({ replicas: 3, recommended: 6, limitedBy: 'stabilization' });
    });
  });

  describe('policies', () => {
    it('should add at most 4 instances or 100% per 15 s by default, from the period start', () => {
      const first = decide({ observed: { cpu: cpu(5, 5) } });
      expect(first).toMatchObject({ replicas: 6, recommended: 15, limitedBy: 'scaleUpPolicy' });
      expect(first.reason).toBe(
        'cpu 500% of 70% target on 2 ready → 15, limited to 6 by the scale-up policy',
      );
      const soon = {
        ...input({ observed: { cpu: cpu(5, 5, 5, 5, 5, 5) } }),
        now: NOW + 5_000,
        currentReplicas: 6,
      };
      expect(decideReplicas({ ...soon, history: first.history })).toMatchObject({
        replicas: 6,
        limitedBy: 'scaleUpPolicy',
      });
      const afterPeriod = { ...soon, now: NOW + 16_000, history: first.history };
      expect(decideReplicas(afterPeriod)).toMatchObject({ replicas: 10, limitedBy: 'max' });
    });

    /** Syncs once a minute against a constant recommendation of 10, returning the counts. */
    function trajectory(behavior: BehaviorOverrides, steps: number): number[] {
      let current = 80;
      let history: AutoscaleDecision['history'] | undefined;
      const counts = [current];
      for (let minute = 1; minute <= steps; minute++) {
        const next = decideReplicas({
          ...input({ maxReplicas: 100, targets: { rps: 10 }, observed: { rps: 100 }, behavior }),
          currentReplicas: current,
          readyReplicas: current,
          now: NOW + minute * 60_000,
          ...(history && { history }),
        });
        current = next.replicas;
        history = next.history;
        counts.push(current);
      }
      return counts;
    }

    it('should follow the docs\u2019 4 instances / 10% per minute example from 80 down to 10', () => {
      const behavior: BehaviorOverrides = {
        scaleDown: {
          stabilizationWindowSeconds: 0,
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 60 },
            { type: 'Percent', value: 10, periodSeconds: 60 },
          ],
        },
      };
      expect(trajectory(behavior, 14)).toEqual([80, 72, 64, 57, 51, 45, 40, 36, 32, 28, 24, 20, 16, 12, 10]);
    });

    it('should take the smaller change with selectPolicy Min', () => {
      const behavior: BehaviorOverrides = {
        scaleDown: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Min',
          policies: [
            { type: 'Percent', value: 10, periodSeconds: 60 },
            { type: 'Pods', value: 5, periodSeconds: 60 },
          ],
        },
      };
      expect(trajectory(behavior, 4)).toEqual([80, 75, 70, 65, 60]);
    });

    it('should not scale down with selectPolicy Disabled', () => {
      const decision = decide({
        currentReplicas: 4,
        behavior: { scaleDown: { selectPolicy: 'Disabled', stabilizationWindowSeconds: 0 } },
        observed: { cpu: cpu(0.1, 0.1, 0.1, 0.1) },
      });
      expect(decision).toMatchObject({ replicas: 4, limitedBy: 'scaleDownPolicy' });
    });

    it('should not scale up with selectPolicy Disabled', () => {
      const decision = decide({
        behavior: { scaleUp: { selectPolicy: 'Disabled' } },
        observed: { cpu: cpu(1.8, 1.8) },
      });
      expect(decision).toMatchObject({ replicas: 2, limitedBy: 'scaleUpPolicy' });
    });
  });

  describe('history', () => {
    it('should record the recommendation and the scale event, dropping what no rule reads', () => {
      const decision = decide({
        observed: { cpu: cpu(1.8, 1.8) },
        history: {
          recommendations: [
            { at: ago(301), replicas: 9 },
            { at: ago(200), replicas: 2 },
          ],
          events: [
            { at: ago(16), change: 1 },
            { at: ago(14), change: -1 },
          ],
        },
      });
      expect(decision.history).toEqual({
        recommendations: [
          { at: ago(200), replicas: 2 },
          { at: NOW, replicas: 6 },
        ],
        events: [
          { at: ago(14), change: -1 },
          { at: NOW, change: 4 },
        ],
        panicSince: null,
        observingSince: NOW,
      });
    });

    it('should add no event when the count stays', () => {
      expect(decide({ observed: { cpu: cpu(0.7, 0.7) } }).history.events).toEqual([]);
    });
  });

  describe('panic mode (Knative)', () => {
    const concurrency = (overrides: Overrides) =>
      decide({ maxReplicas: 50, targets: { concurrency: 10 }, ...overrides });

    it('should panic at 200% of target in the panic window and scale up at once, past the policies', () => {
      const decision = concurrency({ observed: { concurrencyStable: 20, concurrencyPanic: 200 } });
      expect(decision).toMatchObject({ replicas: 20, recommended: 20, limitedBy: null, panic: true });
      expect(decision.reason).toBe('concurrency 200 (100/instance) above 10 per instance on 2 → 20, panic');
      expect(decision.history.panicSince).toBe(NOW);
    });

    it('should not panic below the threshold, and then obey the policies', () => {
      const decision = concurrency({ observed: { concurrencyStable: 100, concurrencyPanic: 39 } });
      expect(decision).toMatchObject({
        replicas: 6,
        recommended: 10,
        limitedBy: 'scaleUpPolicy',
        panic: false,
      });
    });

    it('should judge the threshold on ready instances', () => {
      const decision = concurrency({
        currentReplicas: 4,
        readyReplicas: 1,
        observed: { concurrencyStable: 20, concurrencyPanic: 25 },
      });
      expect(decision).toMatchObject({ panic: true, replicas: 4 });
    });

    it('should still obey max while panicking', () => {
      const decision = concurrency({
        maxReplicas: 8,
        observed: { concurrencyStable: 20, concurrencyPanic: 200 },
      });
      expect(decision).toMatchObject({ replicas: 8, limitedBy: 'max', panic: true });
    });

    it('should not scale up while panicking when scale-up is Disabled', () => {
      const decision = concurrency({
        behavior: { scaleUp: { selectPolicy: 'Disabled' } },
        observed: { concurrencyStable: 20, concurrencyPanic: 200 },
      });
      expect(decision).toMatchObject({ replicas: 2, limitedBy: 'scaleUpPolicy', panic: true });
    });

    it('should hold the count while the panic lasts, though the load fell', () => {
      const decision = concurrency({
        currentReplicas: 20,
        readyReplicas: 20,
        observed: { concurrencyStable: 30, concurrencyPanic: 10 },
        history: { panicSince: ago(59) },
      });
      expect(decision).toMatchObject({ replicas: 20, panic: true });
      expect(decision.history.panicSince).toBe(ago(59));
    });

    it('should extend the panic while the condition holds', () => {
      const decision = concurrency({
        observed: { concurrencyStable: 20, concurrencyPanic: 60 },
        history: { panicSince: ago(50) },
      });
      expect(decision.history.panicSince).toBe(NOW);
    });

    it('should end the panic once the condition has not held for the hold time', () => {
      const decision = concurrency({
        currentReplicas: 20,
        readyReplicas: 20,
        observed: { concurrencyStable: 30, concurrencyPanic: 10 },
        history: { panicSince: ago(60), recommendations: [{ at: ago(30), replicas: 20 }] },
      });
      expect(decision).toMatchObject({
        panic: false,
        replicas: 20,
        recommended: 3,
        limitedBy: 'stabilization',
      });
      expect(decision.history.panicSince).toBeNull();
    });
  });

  describe('from zero', () => {
    const atZero = (overrides: Overrides) =>
      decide({
        currentReplicas: 0,
        readyReplicas: 0,
        minReplicas: 0,
        targets: { concurrency: 10 },
        ...overrides,
      });

    it('should raise enough instances for a burst at once, past the policies', () => {
      const decision = atZero({ observed: { concurrencyStable: 0.8, concurrencyPanic: 50 } });
      expect(decision).toMatchObject({ replicas: 5, recommended: 5, limitedBy: null, panic: true });
      expect(decision.reason).toBe('concurrency 50 at zero instances, target 10 per instance → 5, panic');
      expect(decision.history.events).toEqual([{ at: NOW, change: 5 }]);
    });

    it('should raise one instance for the first request', () => {
      const decision = atZero({ targets: { rps: 100 }, observed: { rps: 0.2 } });
      expect(decision).toMatchObject({ replicas: 1, limitedBy: null, panic: false });
      expect(decision.reason).toBe('rps 0.2 at zero instances, target 100 per instance → 1');
    });

    it('should stay at zero without demand', () => {
      expect(atZero({ observed: { concurrencyStable: 0, concurrencyPanic: 0 } })).toMatchObject({
        replicas: 0,
        limitedBy: null,
      });
      expect(atZero({})).toMatchObject({ replicas: 0, limitedBy: 'noData' });
    });

    it('should rise to a minimum set above zero', () => {
      expect(
        atZero({ minReplicas: 2, observed: { concurrencyStable: 0, concurrencyPanic: 0 } }),
      ).toMatchObject({
        replicas: 2,
        limitedBy: 'min',
      });
      expect(
        atZero({ minReplicas: 2, observed: { concurrencyStable: 5, concurrencyPanic: 5 } }),
      ).toMatchObject({
        replicas: 2,
        limitedBy: 'min',
      });
    });

    it('should obey max from zero', () => {
      expect(
        atZero({ maxReplicas: 3, observed: { concurrencyStable: 0, concurrencyPanic: 500 } }),
      ).toMatchObject({
        replicas: 3,
        limitedBy: 'max',
      });
    });
  });
});
