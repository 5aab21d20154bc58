import type { MetricObservations } from '@nimbus/cluster';
import { observationsAtZero, observationsOf, replicasForDemand } from './autoscale-inputs';

const WENT_IDLE = Date.parse('2026-12-03T10:00:00Z');
const idle = { scaledToZeroAt: new Date(WENT_IDLE) };
const seen: MetricObservations = { cpu: [], concurrencyStable: 0.04, concurrencyPanic: 0, rps: 0.02 };

describe('observationsAtZero', () => {
  it('should read no demand from the requests before the type went idle', () => {
    expect(observationsAtZero(idle, WENT_IDLE - 1000, seen)).toEqual({
      cpu: [],
      concurrencyStable: 0,
      concurrencyPanic: 0,
      rps: 0,
    });
    expect(observationsAtZero(idle, null, seen)).toMatchObject({ concurrencyStable: 0, rps: 0 });
  });

  it('should read the windows once a request came after it went idle', () => {
    expect(observationsAtZero(idle, WENT_IDLE + 1000, seen)).toBe(seen);
  });

  it('should read the windows of a type at zero that did not go there for idleness', () => {
    expect(observationsAtZero({ scaledToZeroAt: null }, null, seen)).toBe(seen);
  });
});

describe('replicasForDemand', () => {
  it('should size held requests at the concurrency target, within one and the maximum', () => {
    expect(replicasForDemand({ targetConcurrency: 10, maxReplicas: 5 }, 1)).toBe(1);
    expect(replicasForDemand({ targetConcurrency: 10, maxReplicas: 5 }, 31)).toBe(4);
    expect(replicasForDemand({ targetConcurrency: 10, maxReplicas: 5 }, 500)).toBe(5);
    expect(replicasForDemand({ targetConcurrency: null, maxReplicas: 5 }, 150)).toBe(2);
  });
});

describe('observationsOf', () => {
  const NOW = WENT_IDLE;
  const WINDOW_MS = 3000;
  const readyAgo = (ms: number | null) => ({
    id: `i-${ms}`,
    ready: ms !== null,
    readyAt: ms === null ? null : new Date(NOW - ms),
  });

  it("should count an instance's CPU as ready only once its window lies after it became ready", () => {
    const instances = [readyAgo(10_000), readyAgo(3000), readyAgo(1000), readyAgo(null)];
    const observed = {
      cpu: new Map(instances.map((instance) => [instance.id, 0.9])),
      memoryBytes: new Map<string, number>(),
      concurrencyStable: 2,
      concurrencyPanic: 3,
      rpsStable: 4,
    };
    expect(observationsOf(instances, observed, NOW, WINDOW_MS)).toEqual({
      cpu: [
        { ready: true, utilization: 0.9 },
        { ready: true, utilization: 0.9 },
        { ready: false, utilization: 0.9 },
        { ready: false, utilization: 0.9 },
      ],
      concurrencyStable: 2,
      concurrencyPanic: 3,
      rps: 4,
    });
  });
});
