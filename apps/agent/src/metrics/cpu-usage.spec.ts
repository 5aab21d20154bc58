import { cpuCores, cpuFraction } from './cpu-usage';

describe(cpuFraction.name, () => {
  it('should divide the CPU seconds used by the elapsed seconds times the request in cores', () => {
    // 0.25 s of CPU in 1 s, against a 250m request: all of it.
    expect(cpuFraction({ cpuSeconds: 10, at: 5000 }, { cpuSeconds: 10.25, at: 6000 }, 250)).toBeCloseTo(1);
    // 0.3 s of CPU in 2 s against 500m: 0.15 cores of 0.5.
    expect(cpuFraction({ cpuSeconds: 1, at: 0 }, { cpuSeconds: 1.3, at: 2000 }, 500)).toBeCloseTo(0.3);
  });

  it('should go above 1 when the instance uses more than it requested', () => {
    // Two cores busy for half a second against a 1000m request.
    expect(cpuFraction({ cpuSeconds: 0, at: 0 }, { cpuSeconds: 1, at: 500 }, 1000)).toBeCloseTo(2);
  });

  it('should be 0 for an idle instance', () => {
    expect(cpuFraction({ cpuSeconds: 4, at: 0 }, { cpuSeconds: 4, at: 1000 }, 100)).toBe(0);
  });

  it('should say nothing when the counter went back (a restart) or no time passed', () => {
    expect(cpuFraction({ cpuSeconds: 9, at: 0 }, { cpuSeconds: 0.1, at: 1000 }, 250)).toBeNull();
    expect(cpuFraction({ cpuSeconds: 1, at: 1000 }, { cpuSeconds: 2, at: 1000 }, 250)).toBeNull();
  });

  it('should say nothing for an instance that requested no CPU', () => {
    expect(cpuFraction({ cpuSeconds: 0, at: 0 }, { cpuSeconds: 1, at: 1000 }, 0)).toBeNull();
  });
});

describe(cpuCores.name, () => {
  it('should be the cores used on average between the readings', () => {
    expect(cpuCores({ cpuSeconds: 2, at: 1000 }, { cpuSeconds: 5, at: 3000 })).toBeCloseTo(1.5);
  });
});
