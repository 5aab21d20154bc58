import { quotaExcess, replicasWithinQuota, totalResources } from './quota';

describe(quotaExcess.name, () => {
  const unlimited = { maxInstances: null, maxMemoryMb: null, maxCpuMillis: null };

  it('should name every limit a total exceeds, and nothing within the quota', () => {
    const total = totalResources(
      [
        { replicas: 2, memoryMb: 512, cpuMillis: 250 },
        { replicas: 1, memoryMb: 256, cpuMillis: 500 },
      ],
      { instances: 1, memoryMb: 512, cpuMillis: 250 },
    );
    expect(total).toEqual({ instances: 4, memoryMb: 1792, cpuMillis: 1250 });
    expect(quotaExcess(total, unlimited)).toEqual([]);
    expect(quotaExcess(total, { maxInstances: 4, maxMemoryMb: 1792, maxCpuMillis: 1250 })).toEqual([]);
    expect(quotaExcess(total, { maxInstances: 3, maxMemoryMb: 1024, maxCpuMillis: 1000 })).toEqual([
      '4 instances (quota 3)',
      '1792 MB of memory (quota 1024 MB)',
      '1250 mCPU (quota 1000)',
    ]);
  });
});

describe(replicasWithinQuota.name, () => {
  const none = { maxInstances: null, maxMemoryMb: null, maxCpuMillis: null };
  const others = { instances: 3, memoryMb: 768, cpuMillis: 750 };
  const size = { memoryMb: 256, cpuMillis: 250 };

  it('should be unbounded without limits', () => {
    expect(replicasWithinQuota(others, size, none)).toBe(Infinity);
  });

  it('should take the tightest limit', () => {
    expect(replicasWithinQuota(others, size, { ...none, maxInstances: 10 })).toBe(7);
    expect(replicasWithinQuota(others, size, { ...none, maxInstances: 10, maxMemoryMb: 1280 })).toBe(2);
    expect(replicasWithinQuota(others, size, { ...none, maxCpuMillis: 1000 })).toBe(1);
  });

  it('should never be negative when the others already exceed it', () => {
    expect(replicasWithinQuota(others, size, { ...none, maxInstances: 2 })).toBe(0);
  });
});
