import { planFormations } from './formation-plan';

const unlimited = { name: 'production', maxInstances: null, maxMemoryMb: null, maxCpuMillis: null };
const none = { instances: 0, memoryMb: 0, cpuMillis: 0 };

describe(planFormations.name, () => {
  it("should give one web and no other instances without app.json's formation", () => {
    expect(
      planFormations({
        processTypes: ['web', 'worker'],
        firstDeploy: true,
        requested: null,
        namespace: unlimited,
        used: none,
      }),
    ).toEqual({
      formations: [
        { processType: 'web', replicas: 1 },
        { processType: 'worker', replicas: 0 },
      ],
      note: null,
    });
  });

  it("should apply app.json's replicas and memory on the first deploy, ignoring unknown types", () => {
    const plan = planFormations({
      processTypes: ['web', 'worker', 'clock'],
      firstDeploy: true,
      requested: { web: { replicas: 2, memoryMb: 512 }, worker: { replicas: 1 }, ghost: { replicas: 3 } },
      namespace: unlimited,
      used: none,
    });
    expect(plan.formations).toEqual([
      { processType: 'web', replicas: 2, memoryMb: 512 },
      { processType: 'worker', replicas: 1 },
      { processType: 'clock', replicas: 0 },
    ]);
    expect(plan.note).toEqual({
      type: 'Normal',
      reason: 'FormationApplied',
      message: 'app.json formation applied: web=2:512MB worker=1',
    });
  });

  it("should keep Heroku's default for types that appear in later deploys", () => {
    const plan = planFormations({
      processTypes: ['worker'],
      firstDeploy: false,
      requested: { worker: { replicas: 4 } },
      namespace: unlimited,
      used: none,
    });
    expect(plan).toEqual({ formations: [{ processType: 'worker', replicas: 0 }], note: null });
  });

  it('should fall back to the default, saying why, when the quota could not hold the formation', () => {
    const plan = planFormations({
      processTypes: ['web', 'worker'],
      firstDeploy: true,
      requested: { web: { replicas: 3 }, worker: { replicas: 1, memoryMb: 1024 } },
      namespace: { name: 'production', maxInstances: 5, maxMemoryMb: 2048, maxCpuMillis: null },
      used: { instances: 2, memoryMb: 512, cpuMillis: 500 },
    });
    expect(plan.formations).toEqual([
      { processType: 'web', replicas: 1 },
      { processType: 'worker', replicas: 0 },
    ]);
    expect(plan.note).toEqual({
      type: 'Warning',
      reason: 'FormationOverQuota',
      message:
        'app.json formation web=3 worker=1:1024MB would need 6 instances (quota 5) and 2304 MB of memory (quota 2048 MB) in namespace production; started with one web instead (scale within the quota with ps:scale)',
    });
  });

  it('should apply a formation that exactly fills the quota', () => {
    const plan = planFormations({
      processTypes: ['web'],
      firstDeploy: true,
      requested: { web: { replicas: 3 } },
      namespace: { name: 'production', maxInstances: 3, maxMemoryMb: 768, maxCpuMillis: 750 },
      used: none,
    });
    expect(plan.formations).toEqual([{ processType: 'web', replicas: 3 }]);
    expect(plan.note?.reason).toBe('FormationApplied');
  });
});
