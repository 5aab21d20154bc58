import { DemandThrottle } from './demand-throttle';

describe(DemandThrottle.name, () => {
  const throttle = () => new DemandThrottle(50, 3_000);

  it('should report the first held request and wake the orchestrator at once', () => {
    expect(throttle().step(1, 1_000)).toEqual({ report: { held: 1, wake: true }, againInMs: 3_000 });
  });

  it('should hold back changes within the interval, then report the latest with a wake if it grew', () => {
    const demand = throttle();
    demand.step(1, 1_000);
    expect(demand.step(5, 1_010)).toEqual({ againInMs: 40 });
    expect(demand.step(9, 1_049)).toEqual({ againInMs: 1 });
    expect(demand.step(9, 1_050)).toEqual({ report: { held: 9, wake: true }, againInMs: 3_000 });
  });

  it('should write a smaller count without waking anyone', () => {
    const demand = throttle();
    demand.step(10, 0);
    expect(demand.step(7, 100)).toEqual({ report: { held: 7, wake: false }, againInMs: 3_000 });
    // Grown past what it last reported (7), though not past its peak: more instances may help.
    expect(demand.step(8, 200)).toEqual({ report: { held: 8, wake: true }, againInMs: 3_000 });
  });

  it('should report zero at once, even within the interval, and wake on the next first request', () => {
    const demand = throttle();
    demand.step(3, 0);
    expect(demand.step(0, 10)).toEqual({ report: { held: 0, wake: false } });
    expect(demand.step(0, 20)).toEqual({});
    expect(demand.step(1, 30)).toEqual({ report: { held: 1, wake: true }, againInMs: 3_000 });
  });

  it('should write an unchanged count again every refresh, before the demand key expires', () => {
    const demand = throttle();
    demand.step(4, 0);
    expect(demand.step(4, 1_000)).toEqual({ againInMs: 2_000 });
    expect(demand.step(4, 3_000)).toEqual({ report: { held: 4, wake: false }, againInMs: 3_000 });
  });
});
