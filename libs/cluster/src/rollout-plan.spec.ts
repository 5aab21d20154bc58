import { planProcess, resolveBudget, type PlannedInstance } from './rollout-plan';

let clock = 0;
const instance = (
  releaseVersion: number,
  available: boolean,
  extra: Partial<PlannedInstance> = {},
): PlannedInstance => ({
  id: `i${(clock += 1)}`,
  releaseVersion,
  available,
  evicted: false,
  createdAt: new Date(clock * 1000),
  ...extra,
});
const plan = (
  replicas: number,
  instances: PlannedInstance[],
  budgets = { maxSurge: '25%', maxUnavailable: '0' },
) => planProcess({ replicas, currentVersion: 2, instances, ...budgets });

describe(planProcess.name, () => {
  it('should resolve budgets as Kubernetes does: surge rounds up, unavailability down', () => {
    expect(resolveBudget('25%', 3, 'up')).toBe(1);
    expect(resolveBudget('25%', 3, 'down')).toBe(0);
    expect(resolveBudget('2', 3, 'up')).toBe(2);
    expect(resolveBudget('0', 10, 'down')).toBe(0);
  });

  it('should scale a steady process type up and down, draining the least useful first', () => {
    expect(plan(3, [instance(2, true)])).toEqual({ create: 2, drain: [] });
    const [ready, starting] = [instance(2, true), instance(2, false)];
    expect(plan(1, [ready, starting])).toEqual({ create: 0, drain: [starting.id] });
  });

  it('should roll out without losing capacity: surge one, retire one old per new ready', () => {
    const old = [instance(1, true), instance(1, true), instance(1, true)];
    expect(plan(3, old)).toEqual({ create: 1, drain: [] });
    const fresh = instance(2, false);
    expect(plan(3, [...old, fresh])).toEqual({ create: 0, drain: [] });
    const ready = { ...fresh, available: true };
    const step = plan(3, [...old, ready]);
    expect(step.drain).toHaveLength(1);
    expect(old.map((i) => i.id)).toContain(step.drain[0]);
    expect(plan(3, [...old.slice(1), ready])).toEqual({ create: 1, drain: [] });
  });

  it('should retire old instances that do not serve at once, and keep serving ones while the new crash', () => {
    const broken = instance(1, false);
    expect(plan(1, [broken, instance(2, false)]).drain).toEqual([broken.id]);
    const serving = instance(1, true);
    expect(plan(1, [serving, instance(2, false)])).toEqual({ create: 0, drain: [] });
  });

  it('should replace evicted instances before stopping them', () => {
    const evicted = instance(2, true, { evicted: true });
    expect(plan(1, [evicted])).toEqual({ create: 1, drain: [] });
    expect(plan(1, [evicted, instance(2, true)]).drain).toEqual([evicted.id]);
  });

  it('should use the unavailability budget when one is given', () => {
    const old = [instance(1, true), instance(1, true), instance(1, true), instance(1, true)];
    const step = plan(4, old, { maxSurge: '0', maxUnavailable: '50%' });
    expect(step.create).toBe(0);
    expect(step.drain).toHaveLength(2);
  });

  it('should ask for nothing more when run again on a converged state', () => {
    expect(plan(2, [instance(2, true), instance(2, true)])).toEqual({ create: 0, drain: [] });
  });
});
