import type { Command } from 'commander';
import type { components } from '@nimbus/contracts';
import { appOption, defineCommand, type CliContext, type JsonOption } from '../context';
import { sparkline, summarise } from '../metric-summary';
import { emit, print, printTable, type Cell } from '../output';
import { resolveApp } from '../scope';

type AppMetrics = components['schemas']['AppMetricsDto_Output'];
type ProcessTypeMetrics = AppMetrics['processTypes'][number];
type SeriesName = keyof ProcessTypeMetrics['series'];

interface MetricsOptions extends JsonOption {
  app: string;
  window: string;
}

/** The rows of a process type's table: label, series and decimals shown. */
const ROWS: [string, SeriesName, number][] = [
  ['cpu %', 'cpuPercent', 1],
  ['memory MB', 'memoryMb', 0],
  ['instances', 'instances', 1],
  ['ready', 'ready', 1],
  ['concurrency', 'concurrency', 1],
  ['req/s', 'rps', 1],
  ['p50 ms', 'latencyP50Ms', 0],
  ['p95 ms', 'latencyP95Ms', 0],
];

const fixed = (value: number | null, digits: number): Cell =>
  value === null ? null : Number(value.toFixed(digits)).toString();

function printProcessType(metrics: ProcessTypeMetrics): void {
  const replicas = `${metrics.replicas} replica${metrics.replicas === 1 ? '' : 's'}`;
  print(`${metrics.type}: ${replicas}, ${metrics.ready} ready`);
  printTable(
    ['', 'latest', 'min', 'avg', 'max', 'trend'],
    ROWS.filter(([, name]) => metrics.series[name].length > 0).map(([label, name, digits]) => {
      const values = metrics.series[name];
      const summary = summarise(values);
      return [
        label,
        fixed(summary.latest, digits),
        fixed(summary.min, digits),
        fixed(summary.avg, digits),
        fixed(summary.max, digits),
        summary.latest === null ? '' : sparkline(values),
      ];
    }),
  );
}

function printMetrics(metrics: AppMetrics, app: string): void {
  if (!metrics.processTypes.length) return print(`${app} has no process types yet: push to deploy it.`);
  print(`${app}, the last ${metrics.window} in ${metrics.stepSeconds}s steps (CPU in % of the CPU request)`);
  for (const processType of metrics.processTypes) {
    print();
    printProcessType(processType);
  }
}

export function registerMetricsCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'metrics', "show an app's recent CPU, memory and traffic per process type")
    .addOption(appOption().makeOptionMandatory())
    .option('--window <duration>', 'how far back, from 1m to 1h', '15m')
    .action(async (options: MetricsOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const metrics = await context.session().call((client) =>
        client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/metrics', {
          params: { path, query: { window: options.window } },
        }),
      );
      emit(options.json, metrics, () => printMetrics(metrics, path.app));
    });
}
