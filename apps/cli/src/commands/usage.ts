import type { Command } from 'commander';
import type { components } from '@nimbus/contracts';
import { defineCommand, type CliContext, type JsonOption } from '../context';
import { emit, formatDate, print, printTable, type Cell } from '../output';
import { resolveTenant } from '../scope';

type Usage = components['schemas']['UsageDto_Output'];
type Figures = Usage['totals'];

interface UsageOptions extends JsonOption {
  tenant?: string;
  from?: string;
  to?: string;
}

/** Instance-hours per size, `512MB/250m` ascending: each size a column. */
const sizesOf = (usage: Usage) =>
  Object.keys(usage.totals.instanceSeconds).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

/** `512MB/250m` as a header that survives upper-casing: `512MB/0.25CPU`. */
const sizeHeader = (size: string) =>
  size.replace(/\/(\d+)m$/, (_, millis: string) => `/${Number(millis) / 1000}cpu`);

const hours = (seconds: number | undefined) => (seconds ? (seconds / 3600).toFixed(2) : '-');

const figureCells = (figures: Figures, sizes: string[]): Cell[] => [
  ...sizes.map((size) => hours(figures.instanceSeconds[size])),
  figures.instanceHours.toFixed(2),
  figures.requests,
];

export function registerUsageCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'usage', "show a tenant's instance-hours by size and requests, by namespace and app")
    .option('--tenant <tenant>', 'the tenant (default: the target tenant)')
    .option('--from <time>', 'start: an ISO date or time (default: the start of this month, UTC)')
    .option('--to <time>', 'end, exclusive: an ISO date or time (default: now)')
    .action(async (options: UsageOptions) => {
      const tenant = resolveTenant(options.tenant, context.store.target());
      const query = {
        ...(options.from !== undefined ? { from: options.from } : {}),
        ...(options.to !== undefined ? { to: options.to } : {}),
      };
      const usage = await context
        .session()
        .call((client) => client.GET('/v1/tenants/{tenant}/usage', { params: { path: { tenant }, query } }));
      emit(options.json, usage, printUsage);
    });
}

function printUsage(usage: Usage): void {
  print(`Usage of tenant ${usage.tenant} from ${formatDate(usage.from)} to ${formatDate(usage.to)}`);
  const apps = usage.namespaces.flatMap((namespace) =>
    namespace.apps.map((app) => ({ namespace: namespace.name, app })),
  );
  if (apps.length === 0) return print('No usage in this period.');
  const sizes = sizesOf(usage);
  print();
  printTable(
    ['namespace', 'app', ...sizes.map((size) => `hours ${sizeHeader(size)}`), 'instance-hours', 'requests'],
    [
      ...apps.map(({ namespace, app }) => [namespace, app.name, ...figureCells(app, sizes)]),
      ['total', '', ...figureCells(usage.totals, sizes)],
    ],
  );
}
