import type { Command } from 'commander';
import type { components } from '@nimbus/contracts';
import { appOption, defineCommand, type CliContext, type JsonOption } from '../context';
import type { Instance } from '../log-stream';
import { emit, formatAge, formatDate, print, printTable } from '../output';
import { parseScaleArguments } from '../scale-arguments';
import { resolveApp } from '../scope';

type Ps = components['schemas']['PsDto_Output'];
type Formation = Ps['formation'][number];

interface AppOptions extends JsonOption {
  app: string;
}

/**
 * `web: 3 × 256 MB, 250m CPU  (npm start)`: one line per process type, as `heroku ps` heads them;
 * `web (autoscaled 0–10): …` when its autoscaler sets the replicas, and
 * `web: idle, scaled to zero at …; autoscaled 0–10` while it is at zero for want of requests.
 */
function formationLine(formation: Formation): string {
  const bounds = formation.autoscale
    ? `autoscaled ${formation.autoscale.min}–${formation.autoscale.max}`
    : null;
  const command = formation.command ? `  (${formation.command})` : '';
  if (formation.scaledToZeroAt && formation.replicas === 0) {
    const since = `${formatDate(formation.scaledToZeroAt)} (${formatAge(formation.scaledToZeroAt)})`;
    return `${formation.type}: idle, scaled to zero at ${since}${bounds ? `; ${bounds}` : ''}${command}`;
  }
  const size = `${formation.replicas} × ${formation.memoryMb} MB, ${formation.cpuMillis}m CPU`;
  return `${formation.type}${bounds ? ` (${bounds})` : ''}: ${size}${command}`;
}

/** `crashed (CrashLoopBackOff: exited with 1; restarting in 8s)`: why it is there, when known. */
function stateOf(instance: Instance): string {
  const why = [instance.reason, instance.message].filter(Boolean).join(': ');
  return why ? `${instance.state} (${why})` : instance.state;
}

function printPs(ps: Ps, app: string): void {
  if (ps.release === null && ps.formation.length === 0 && ps.instances.length === 0)
    return print(`${app} has no release yet: push to deploy it.`);
  for (const formation of ps.formation) print(formationLine(formation));
  if (ps.rollout && ps.rollout.status !== 'complete') {
    const reason = ps.rollout.reason ? `: ${ps.rollout.reason}` : '';
    print(`Rollout of v${ps.rollout.release} ${ps.rollout.status}${reason}`);
  }
  print();
  if (ps.instances.length === 0) return print(`${app} has no instances running.`);
  printTable(
    ['id', 'type', 'state', 'release', 'node', 'restarts', 'since'],
    ps.instances.map((instance) => [
      instance.id.slice(0, 8),
      instance.type,
      stateOf(instance),
      `v${instance.release}`,
      instance.node,
      instance.restarts,
      formatAge(instance.since),
    ]),
  );
}

export function registerProcessCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'ps', "show an app's formation and instances, with why any is not up")
    .addOption(appOption().makeOptionMandatory())
    .action(async (options: AppOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const ps = await context
        .session()
        .call((client) =>
          client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/ps', { params: { path } }),
        );
      emit(options.json, ps, () => printPs(ps, path.app));
    });

  defineCommand(
    program,
    'ps:scale <type=replicas...>',
    'set how many instances of each process type run, and their memory',
  )
    .addOption(appOption().makeOptionMandatory())
    .addHelpText(
      'after',
      [
        '',
        'Each argument is TYPE=REPLICAS, TYPE=REPLICAS:MEMORY or TYPE=:MEMORY; MEMORY is in MB,',
        'or in GB with a G suffix. Changing the memory replaces the instances one by one.',
        '',
        'Examples:',
        '  nimbus ps:scale -a web web=3 worker=1',
        '  nimbus ps:scale -a web web=2:512 worker=:1G',
      ].join('\n'),
    )
    .action(async (args: string[], options: AppOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const updates = parseScaleArguments(args);
      const formation = await context.session().call((client) =>
        client.PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/formation', {
          params: { path },
          body: { updates },
        }),
      );
      emit(options.json, formation, () => {
        const scaled = formation.filter((entry) => updates.some((update) => update.type === entry.type));
        print(`Scaled ${path.app}:`);
        for (const entry of scaled) print(formationLine(entry));
      });
    });

  defineCommand(
    program,
    'ps:restart [type]',
    "replace an app's instances (of one process type), new ones up before old ones stop",
  )
    .addOption(appOption().makeOptionMandatory())
    .action(async (type: string | undefined, options: AppOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const restarted = await context.session().call((client) =>
        client.POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/ps/restart', {
          params: { path },
          body: type ? { type } : {},
        }),
      );
      emit(options.json, restarted, () => {
        const what = type ? `${type} instance` : 'instance';
        print(
          `Restarting ${restarted.restarting} ${what}${restarted.restarting === 1 ? '' : 's'} of ${path.app}`,
        );
      });
    });
}
