import type { InstanceUsageSum, RequestUsageSum } from '@nimbus/db';
import type { AppUsage, NamespaceUsage, UsageFigures } from './dto/usage.dto';

/** Seconds per size and requests, summed as rows come. */
class Tally {
  readonly seconds = new Map<string, number>();
  requests = 0;

  addSeconds(size: string, seconds: number): void {
    this.seconds.set(size, (this.seconds.get(size) ?? 0) + seconds);
  }

  figures(): UsageFigures {
    const sizes = [...this.seconds].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
    const total = sizes.reduce((sum, [, seconds]) => sum + seconds, 0);
    return {
      instanceSeconds: Object.fromEntries(sizes.map(([size, seconds]) => [size, round(seconds, 3)])),
      instanceHours: round(total / 3600, 4),
      requests: this.requests,
    };
  }
}

interface AppTally {
  id: string;
  name: string;
  tally: Tally;
  hours: Map<number, Tally>;
}

interface NamespaceTally {
  id: string;
  name: string;
  tally: Tally;
  apps: Map<string, AppTally>;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** How a size reads: `512MB/250m`, as `ps` shows an instance's. */
export const sizeLabel = (memoryMb: number, cpuMillis: number) => `${memoryMb}MB/${cpuMillis}m`;

const byName = <T extends { name: string; id: string }>(a: T, b: T) =>
  a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

/**
 * The tenant's usage summed by namespace and app (and hour, when the rows carry one), with
 * totals at every level. Rows of deleted apps count like the others, under their last names.
 */
export function usageReport(
  instances: InstanceUsageSum[],
  requests: RequestUsageSum[],
  byHour: boolean,
): { totals: UsageFigures; namespaces: NamespaceUsage[] } {
  const total = new Tally();
  const namespaces = new Map<string, NamespaceTally>();
  const tallies = (row: InstanceUsageSum | RequestUsageSum): Tally[] => {
    let namespace = namespaces.get(row.namespaceId);
    if (!namespace) {
      namespace = { id: row.namespaceId, name: row.namespaceName, tally: new Tally(), apps: new Map() };
      namespaces.set(row.namespaceId, namespace);
    }
    let app = namespace.apps.get(row.appId);
    if (!app) {
      app = { id: row.appId, name: row.appName, tally: new Tally(), hours: new Map() };
      namespace.apps.set(row.appId, app);
    }
    const found = [total, namespace.tally, app.tally];
    if (byHour && row.hour) {
      const hour = row.hour.getTime();
      let tally = app.hours.get(hour);
      if (!tally) app.hours.set(hour, (tally = new Tally()));
      found.push(tally);
    }
    return found;
  };

  for (const row of instances) {
    const size = sizeLabel(row.memoryMb, row.cpuMillis);
    for (const tally of tallies(row)) tally.addSeconds(size, row.instanceSeconds);
  }
  for (const row of requests) {
    for (const tally of tallies(row)) tally.requests += Number(row.requests);
  }

  return {
    totals: total.figures(),
    namespaces: [...namespaces.values()].sort(byName).map((namespace) => ({
      id: namespace.id,
      name: namespace.name,
      ...namespace.tally.figures(),
      apps: [...namespace.apps.values()].sort(byName).map((app) => presentApp(app, byHour)),
    })),
  };
}

function presentApp(app: AppTally, byHour: boolean): AppUsage {
  return {
    id: app.id,
    name: app.name,
    ...app.tally.figures(),
    ...(byHour
      ? {
          hours: [...app.hours]
            .sort(([a], [b]) => a - b)
            .map(([hour, tally]) => ({ hour: new Date(hour).toISOString(), ...tally.figures() })),
        }
      : {}),
  };
}
