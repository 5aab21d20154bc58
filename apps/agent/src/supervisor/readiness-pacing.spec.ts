import { readinessPeriod } from './readiness-pacing';

describe(readinessPeriod.name, () => {
  it.each([
    [0, 10],
    [999, 10],
    [1000, 20],
    [2500, 40],
    [3999, 80],
    [4000, 100],
    [60_000, 100],
    [10 * 365 * 86_400_000, 100],
    // A clock that stepped back since the start: probed as if it had just started.
    [-5000, 10],
  ])('should wait, %i ms after the start, %i ms', (sinceStart, period) => {
    expect(readinessPeriod(sinceStart)).toBe(period);
  });
});
