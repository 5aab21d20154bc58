// Simulated autoscaled apps for the HPA sync bench, the same for a given seed: their settings,
// a minute of history, and a load that wanders, bursts and sometimes goes missing.
import { random } from '../scheduler/cluster.mjs';

export { random };

const pick = (next, values) => values[Math.floor(next() * values.length)];
const between = (next, low, high) => low + next() * (high - low);

/** Which metrics an app targets: mostly cpu and concurrency, as the examples. */
const TARGET_MIXES = [
  ...Array(12).fill({ cpu: true, concurrency: true }),
  ...Array(4).fill({ cpu: true }),
  ...Array(3).fill({ concurrency: true }),
  { concurrency: true, rps: true },
];

/** A custom behaviour on one app in five; the rest take Kubernetes' defaults. */
const CUSTOM_BEHAVIOR = {
  scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 2, periodSeconds: 30 }] },
};

/**
 * `count` apps of 1–10 instances, each with a history of one recommendation a second over the
 * minute before `now` (and a scale event or two), and a demand in "instances' worth at target"
 * that `observe` turns into metrics.
 */
export function simulatedApps(next, { count, now, syncMs, historySeconds }) {
  return Array.from({ length: count }, (_, i) => {
    const replicas = 1 + Math.floor(next() * 10);
    const mix = pick(next, TARGET_MIXES);
    const recommendations = Array.from({ length: Math.round((historySeconds * 1000) / syncMs) }, (_, k) => ({
      at: now - (k + 1) * syncMs,
      replicas: Math.max(1, replicas + Math.round(between(next, -2, 2))),
    })).reverse();
    return {
      id: `app-${i}`,
      replicas,
      ready: replicas,
      minReplicas: next() < 0.3 ? 0 : 1,
      maxReplicas: 10 + Math.floor(next() * 21),
      targets: {
        ...(mix.cpu && { cpuUtilization: pick(next, [0.5, 0.6, 0.7, 0.8]) }),
        ...(mix.concurrency && { concurrency: pick(next, [10, 20, 50, 100]) }),
        ...(mix.rps && { rps: pick(next, [50, 100, 200]) }),
      },
      overrides: next() < 0.2 ? CUSTOM_BEHAVIOR : undefined,
      demand: replicas * between(next, 0.5, 1.5),
      burstLeft: 0,
      history: {
        recommendations,
        events: next() < 0.5 ? [{ at: now - 10_000, change: 1 }] : [],
        panicSince: null,
        observingSince: now - syncMs,
      },
    };
  });
}

/** One sync's load: the demand drifts a few percent, 1 app in 200 starts a 3× burst of 5 syncs. */
export function driftLoad(next, app) {
  app.demand = Math.min(40, Math.max(0.2, app.demand * Math.exp(between(next, -0.06, 0.06))));
  if (app.burstLeft > 0) app.burstLeft--;
  else if (next() < 0.005) app.burstLeft = 5;
}

/**
 * The metrics the orchestrator would gather for `app` now: cpu per instance (the newest not yet
 * ready, one sample in a hundred missing), app-wide concurrency and rps; a window with no
 * router data one time in two hundred.
 */
export function observe(next, app) {
  const burst = app.burstLeft > 0 ? 3 : 1;
  const load = app.demand * burst;
  const perReady = load / Math.max(app.ready, 1);
  const cpuTarget = app.targets.cpuUtilization ?? 0.7;
  const cpu = Array.from({ length: app.replicas }, (_, k) => ({
    ready: k < app.ready,
    utilization: next() < 0.01 ? null : perReady * cpuTarget * between(next, 0.9, 1.1),
  }));
  const routersAnswered = next() >= 0.005;
  const concurrency = app.targets.concurrency ?? 10;
  return {
    cpu,
    concurrencyStable: routersAnswered ? app.demand * concurrency : null,
    concurrencyPanic: routersAnswered ? load * concurrency : null,
    rps: routersAnswered ? load * (app.targets.rps ?? 100) : null,
  };
}
