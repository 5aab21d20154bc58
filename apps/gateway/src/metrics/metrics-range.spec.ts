import { metricsRange } from './metrics-range';

describe(metricsRange.name, () => {
  const now = Date.UTC(2026, 11, 2, 12, 0, 30, 400);

  it.each([
    ['1m', 60_000, 1000, 60],
    ['2m', 120_000, 1000, 120],
    ['5m', 300_000, 5000, 60],
    ['15m', 900_000, 10_000, 90],
    ['30m', 1_800_000, 15_000, 120],
    ['1h', 3_600_000, 30_000, 120],
  ])('should take a %s window in steps that give at most 120 points', (_name, windowMs, stepMs, points) => {
    const range = metricsRange(windowMs, now);
    expect(range.stepMs).toBe(stepMs);
    expect((range.to - range.from) / range.stepMs).toBe(points);
  });

  it('should end at the last second whose reports have all arrived', () => {
    expect(metricsRange(60_000, now).to).toBe(Date.UTC(2026, 11, 2, 12, 0, 29));
  });

  it('should cover a window that is not a whole number of steps with one more step', () => {
    const range = metricsRange(125_000, now);
    expect(range.stepMs).toBe(2000);
    expect(range.to - range.from).toBe(126_000);
  });
});
