import { InvalidArgumentError, Option, type Command } from 'commander';
import { appOption, defineCommand, type CliContext, type JsonOption } from '../context';
import { CliError, ExitStatus } from '../errors';
import {
  followLogs,
  formatLogLine,
  recentLogs,
  untilInterrupted,
  type Instance,
  type LogLine,
} from '../log-stream';
import { emit, print, printJson } from '../output';
import { resolveApp } from '../scope';
import { commandLine } from '../shell-command';

interface LogsOptions extends JsonOption {
  app: string;
  num: number;
  tail?: boolean;
  type?: string;
}

interface RunOptions extends JsonOption {
  app: string;
}

/** What a shell reports for a command stopped with Ctrl-C: 128 + SIGINT. */
const INTERRUPTED = 130;

function lineCount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 10_000)
    throw new InvalidArgumentError('must be a whole number from 1 to 10000');
  return Number(value);
}

/** An exit status a process can return; anything else (a signal's negative number) is a plain failure. */
const exitStatusOf = (code: number) => (Number.isInteger(code) && code >= 0 && code <= 255 ? code : 1);

/**
 * The one-off's exit status is the command's. It fails with an `error:` line of its own only when
 * there is no exit status to return, or when the platform killed it (its stderr cannot say so).
 */
function exitOf(instance: Instance, name: string): number {
  const why = [instance.reason, instance.message].filter(Boolean).join(': ');
  if (instance.state !== 'exited' || instance.exitCode === null)
    throw new CliError(
      `${name} ${instance.state === 'exited' ? 'ended without an exit status' : instance.state}${why ? ` (${why})` : ''}`,
    );
  if (instance.reason === 'OOMKilled')
    throw new CliError(
      `${name} was killed: it ran out of memory (${why})`,
      undefined,
      exitStatusOf(instance.exitCode) || 1,
    );
  return exitStatusOf(instance.exitCode);
}

export function registerLogCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'logs', "print an app's recent log lines; with --tail, follow them until Ctrl-C")
    .addOption(appOption().makeOptionMandatory())
    .addOption(
      new Option('-n, --num <n>', 'how many recent lines to print (1 to 10000)')
        .argParser(lineCount)
        .default(100),
    )
    .option('-t, --tail', 'keep printing new lines as they come, until Ctrl-C')
    .option('--type <type>', 'only the lines of one process type, such as web')
    .addHelpText('after', '\nWith --tail and --json, each line is printed as one JSON object per line.')
    .action(async (options: LogsOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const query = { num: options.num, ...(options.type ? { type: options.type } : {}) };
      const session = context.session();
      if (!options.tail) {
        const lines = await recentLogs(session, path, query);
        return emit(options.json, lines, () => lines.forEach((line) => print(formatLogLine(line))));
      }
      const show = (line: LogLine) => print(options.json ? JSON.stringify(line) : formatLogLine(line));
      // Following the whole app never ends by itself: Ctrl-C is how it is meant to stop.
      await untilInterrupted((signal) => followLogs(session, path, query, signal, show));
    });

  defineCommand(
    program,
    'run <command...>',
    'run a one-off process of the current release, its output attached; exits with its exit status',
  )
    .addOption(appOption().makeOptionMandatory())
    // Everything from the command on is the command's: `nimbus run -a web ls -la`.
    .passThroughOptions()
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  nimbus run -a web -- node -e "process.exit(3)"   # each argument stays one argument',
        '  nimbus run -a web "npm run migrate && npm run seed"  # one argument is a shell command line',
        '',
        "Its stdout and stderr go to this command's stdout and stderr. Ctrl-C stops following it;",
        'the process keeps running. With --json, its output is printed at the end with the instance.',
      ].join('\n'),
    )
    .action(async (args: string[], options: RunOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const command = commandLine(args);
      const session = context.session();
      const { instance, logCursor } = await session.call((client) =>
        client.POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/runs', {
          params: { path },
          body: { command },
        }),
      );
      const name = `run.${instance.id.slice(0, 8)}`;
      // Said only to a person: a script reading stderr gets the one-off's stderr and nothing else.
      if (!options.json && process.stderr.isTTY)
        process.stderr.write(`Running \`${command}\` on ${path.app} as ${name} (v${instance.release})…\n`);
      const output: LogLine[] = [];
      const end = await untilInterrupted((signal) =>
        followLogs(session, path, { instance: instance.id, after: logCursor }, signal, (line) => {
          if (options.json) output.push(line);
          else (line.stream === 'stderr' ? process.stderr : process.stdout).write(`${line.line}\n`);
        }),
      );
      if ('interrupted' in end)
        throw new CliError(
          `stopped following ${name}, which keeps running: \`nimbus ps -a ${options.app}\` shows it`,
          undefined,
          INTERRUPTED,
        );
      if (options.json) printJson({ ...end.ended, output });
      const status = exitOf(end.ended, name);
      if (status !== 0) throw new ExitStatus(status);
    });
}
