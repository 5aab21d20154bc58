import type { MetricObservations } from '@nimbus/cluster';
import { observationsAtZero, replicasForDemand } from './autoscale-inputs';

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
