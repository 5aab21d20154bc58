import type { ScalingRules } from './autoscale-types';
import { resolveBehavior } from './behavior';
import { longestPeriodMs, longestWindowMs, scaleDownLimit, scaleUpLimit, stabilize } from './scaling-rules';

const NOW = Date.parse('2026-01-01T00:10:00.000Z');
const ago = (seconds: number) => NOW - seconds * 1000;
const defaults = resolveBehavior();

/** The docs' "Scaling policies" example: 4 instances or 10% per minute, whichever is more. */
const docsScaleDown: ScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 60 },
    { type: 'Percent', value: 10, periodSeconds: 60 },
  ],
};
/** The docs' "limit scale down rate" example: 10% but no more than 5 instances a minute. */
const docsMinSelect: ScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Min',
  policies: [
    { type: 'Percent', value: 10, periodSeconds: 60 },
    { type: 'Pods', value: 5, periodSeconds: 60 },
  ],
};

describe(scaleUpLimit.name, () => {
  it.each([
    ['allow 4 instances on top of 2 (the Pods policy wins)', 2, 6],
    ['allow 100% on top of 10 (the Percent policy wins)', 10, 20],
    ['allow 4 on top of one', 1, 5],
  ])('should %s by default', (_, current, limit) => {
    expect(scaleUpLimit(current, [], defaults.scaleUp, NOW)).toBe(limit);
  });

  it('should count from the replicas at the start of the period', () => {
    // 2 → 6 five seconds ago: the period began at 2, so 6 is all it allows until it ends.
    const events = [{ at: ago(5), change: 4 }];
    expect(scaleUpLimit(6, events, defaults.scaleUp, NOW)).toBe(6);
    expect(scaleUpLimit(6, [{ at: ago(16), change: 4 }], defaults.scaleUp, NOW)).toBe(12);
  });

  it('should add back what a scale-down removed within the period', () => {
    expect(scaleUpLimit(4, [{ at: ago(10), change: -2 }], defaults.scaleUp, NOW)).toBe(12);
  });

  it('should round a Percent increase up so that a small count still grows', () => {
    const rules: ScalingRules = {
      ...defaults.scaleUp,
      policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
    };
    expect(scaleUpLimit(1, [], rules, NOW)).toBe(2);
    expect(scaleUpLimit(3, [], rules, NOW)).toBe(5);
  });

  it('should take the smallest allowance with selectPolicy Min', () => {
    expect(scaleUpLimit(10, [], { ...defaults.scaleUp, selectPolicy: 'Min' }, NOW)).toBe(14);
  });

  it('should allow nothing with selectPolicy Disabled', () => {
    expect(scaleUpLimit(3, [], { ...defaults.scaleUp, selectPolicy: 'Disabled' }, NOW)).toBe(3);
  });
});

describe(scaleDownLimit.name, () => {
  it('should allow removing every instance by default (100% per 15 s)', () => {
    expect(scaleDownLimit(7, [], defaults.scaleDown, NOW)).toBe(0);
  });

  it.each([
    ['use the Percent policy above 40 replicas', 80, 72],
    ['round a Percent removal up (10% of 72 is 7.2, so 8 go)', 72, 64],
    ['use the Pods policy at 40 replicas or fewer', 30, 26],
  ])('should %s (the docs\u2019 4 instances / 10% per minute example)', (_, current, limit) => {
    expect(scaleDownLimit(current, [], docsScaleDown, NOW)).toBe(limit);
  });

  it('should take the smallest removal with selectPolicy Min', () => {
    expect(scaleDownLimit(80, [], docsMinSelect, NOW)).toBe(75);
    expect(scaleDownLimit(30, [], docsMinSelect, NOW)).toBe(27);
  });

  it('should count from the replicas at the start of the period', () => {
    // 80 → 72 thirty seconds ago: the minute's 8 are spent.
    expect(scaleDownLimit(72, [{ at: ago(30), change: -8 }], docsScaleDown, NOW)).toBe(72);
    expect(scaleDownLimit(72, [{ at: ago(60), change: -8 }], docsScaleDown, NOW)).toBe(64);
  });

  it('should allow nothing with selectPolicy Disabled (the docs\u2019 "disable scale down" example)', () => {
    expect(scaleDownLimit(5, [], { ...defaults.scaleDown, selectPolicy: 'Disabled' }, NOW)).toBe(5);
  });
});

describe(stabilize.name, () => {
  it('should scale down only to the highest recommendation of the scale-down window', () => {
    const recommendations = [
      { at: ago(299), replicas: 5 },
      { at: ago(100), replicas: 3 },
    ];
    expect(stabilize(5, 2, recommendations, defaults, NOW)).toBe(5);
    expect(stabilize(5, 2, [{ at: ago(300), replicas: 5 }, ...recommendations.slice(1)], defaults, NOW)).toBe(
      3,
    );
  });

  it('should never hold a scale-down above the current count', () => {
    expect(stabilize(4, 2, [{ at: ago(10), replicas: 9 }], defaults, NOW)).toBe(4);
  });

  it('should scale up at once without a scale-up window', () => {
    expect(stabilize(2, 6, [{ at: ago(1), replicas: 2 }], defaults, NOW)).toBe(6);
  });

  it('should scale up only to the lowest recommendation of the scale-up window', () => {
    const behavior = resolveBehavior({ scaleUp: { stabilizationWindowSeconds: 60 } });
    const recommendations = [
      { at: ago(90), replicas: 2 },
      { at: ago(30), replicas: 4 },
      { at: ago(15), replicas: 8 },
    ];
    expect(stabilize(3, 10, recommendations, behavior, NOW)).toBe(4);
    expect(stabilize(5, 10, recommendations, behavior, NOW)).toBe(5);
  });
});

describe('history horizons', () => {
  it('should keep recommendations for the longest window and events for the longest period', () => {
    const behavior = resolveBehavior({
      scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }] },
    });
    expect(longestWindowMs(behavior)).toBe(300_000);
    expect(longestPeriodMs(behavior)).toBe(120_000);
  });
});
