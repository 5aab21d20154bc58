import type { Command } from 'commander';
import type { components } from '@nimbus/contracts';
import { autoscalerBody, type AutoscaleOptions } from '../autoscale-arguments';
import { appOption, defineCommand, type CliContext, type JsonOption } from '../context';
import { emit, formatAge, formatDate, print, printTable } from '../output';
import { resolveApp } from '../scope';

type Autoscaler = components['schemas']['AutoscalerDto_Output'];

interface AppOptions extends JsonOption {
  app: string;
}

/** `cpu 70%, concurrency 50, 100 req/s`. */
function targets(autoscaler: Autoscaler): string {
  return [
    autoscaler.cpu !== null ? `cpu ${autoscaler.cpu}%` : null,
    autoscaler.concurrency !== null ? `concurrency ${autoscaler.concurrency}` : null,
    autoscaler.rps !== null ? `${autoscaler.rps} req/s` : null,
  ]
    .filter(Boolean)
    .join(', ');
}

/** `idle, scaled to zero at 2026-01-01 10:00 UTC (5m ago)` or `scaled`. */
function stateOf(autoscaler: Autoscaler): string {
  return autoscaler.scaledToZeroAt
    ? `idle, scaled to zero at ${formatDate(autoscaler.scaledToZeroAt)} (${formatAge(autoscaler.scaledToZeroAt)})`
    : 'scaled';
}

function idleNote(autoscaler: Autoscaler): string {
  return autoscaler.min === 0 ? `, to zero after ${autoscaler.idleTimeoutMs / 1000}s idle` : '';
}

export function registerAutoscaleCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'autoscale', "show an app's autoscaled process types")
    .addOption(appOption().makeOptionMandatory())
    .action(async (options: AppOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const autoscalers = await context.session().call((client) =>
        client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/autoscale', {
          params: { path },
        }),
      );
      emit(options.json, autoscalers, () => {
        if (autoscalers.length === 0) return print(`${path.app} has no autoscaled process types.`);
        printTable(
          ['type', 'min', 'max', 'targets', 'ready', 'state', 'last scaled'],
          autoscalers.map((autoscaler) => [
            autoscaler.type,
            autoscaler.min,
            autoscaler.max,
            targets(autoscaler),
            `${autoscaler.ready}/${autoscaler.replicas}`,
            stateOf(autoscaler),
            formatAge(autoscaler.lastScaleAt),
          ]),
        );
      });
    });

  defineCommand(
    program,
    'autoscale:set <type>',
    'scale a process type with its load, between --min and --max',
  )
    .addOption(appOption().makeOptionMandatory())
    .option('--min <n>', 'fewest instances; 0 (web only) scales to zero when idle')
    .option('--max <n>', 'most instances (the namespace quota caps it too)')
    .option('--cpu <percent>', 'target CPU per instance, % of its CPU request')
    .option('--concurrency <n>', 'target requests in flight per instance')
    .option('--rps <n>', 'target requests per second per instance')
    .option('--idle <duration>', 'with --min 0: time without a request before scaling to zero (30s)')
    .option('--up-window <duration>', 'scale-up stabilization window (0s)')
    .option('--down-window <duration>', 'scale-down stabilization window (300s)')
    .option('--up-policy <policies>', 'scale-up policies (pods=4/15s,percent=100/15s)')
    .option('--down-policy <policies>', 'scale-down policies (percent=100/15s)')
    .option('--up-select <max|min|disabled>', 'which scale-up policy wins (max)')
    .option('--down-select <max|min|disabled>', 'which scale-down policy wins (max)')
    .addHelpText(
      'after',
      [
        '',
        'Each call sets the whole autoscaler: options left out take their defaults. With no target,',
        "CPU at 80% (Kubernetes' default); for web with --min 0, 100 requests in flight (Knative's).",
        'Policies are TYPE=VALUE/PERIOD, TYPE pods or percent, separated by commas.',
        '',
        'Examples:',
        '  nimbus autoscale:set -a shop web --min 0 --max 10 --concurrency 50 --idle 60s',
        '  nimbus autoscale:set -a shop worker --min 1 --max 4 --cpu 70 --down-window 60s',
        '  nimbus autoscale:set -a shop web --min 2 --max 20 --rps 100 --up-policy pods=2/30s',
      ].join('\n'),
    )
    .action(async (type: string, options: AppOptions & AutoscaleOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const body = autoscalerBody(options);
      const autoscaler = await context.session().call((client) =>
        client.PUT('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/autoscale/{processType}', {
          params: { path: { ...path, processType: type } },
          body,
        }),
      );
      emit(options.json, autoscaler, () => {
        print(
          `Autoscaling ${type} of ${path.app}: ${autoscaler.min}–${autoscaler.max} instances on ${targets(autoscaler)}${idleNote(autoscaler)}`,
        );
        print(
          autoscaler.state === 'idle'
            ? `${type}: ${stateOf(autoscaler)}`
            : `${type}: ${autoscaler.replicas} instance${autoscaler.replicas === 1 ? '' : 's'} now`,
        );
      });
    });

  defineCommand(program, 'autoscale:off <type>', 'stop autoscaling a process type; it keeps its instances')
    .addOption(appOption().makeOptionMandatory())
    .action(async (type: string, options: AppOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const removed = await context.session().call((client) =>
        client.DELETE('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/autoscale/{processType}', {
          params: { path: { ...path, processType: type } },
        }),
      );
      emit(options.json, removed, () =>
        print(
          `${type} of ${path.app} is no longer autoscaled; it keeps ${removed.replicas} instance${removed.replicas === 1 ? '' : 's'} (change with ps:scale)`,
        ),
      );
    });
}
