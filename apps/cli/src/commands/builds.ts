import type { Command } from 'commander';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { components } from '@nimbus/contracts';
import type { ApiSession } from '../api';
import { appOption, defineCommand, type CliContext, type JsonOption } from '../context';
import { CliError } from '../errors';
import { emit, formatDate, print, printJson, printTable } from '../output';
import { resolveApp, type AppRef } from '../scope';

type Build = components['schemas']['BuildDto_Output'];

interface AppOptions extends JsonOption {
  app: string;
}

interface BuildRef extends AppRef {
  build: string;
}

const isOver = (build: Build) => build.status === 'succeeded' || build.status === 'failed';

/** `4.2s`, `3m 07s`: builds take seconds to minutes. */
function formatDuration(seconds: number | null): string | null {
  if (seconds === null) return null;
  if (seconds < 60) return `${seconds}s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, '0')}s`;
}

/** A finished build's exit status is the command's: scripts can wait on a build with it. */
function checkOutcome(build: Build): void {
  if (build.status === 'failed')
    throw new CliError(`build failed: ${build.failureReason ?? 'no reason given'}`);
}

/** The output as stored (or as far as it got), as text. */
async function outputText(session: ApiSession, path: BuildRef): Promise<string> {
  // An empty body comes back as undefined.
  const text: string | undefined = await session.call((client) =>
    client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/builds/{build}/output', {
      params: { path },
      headers: { Accept: 'text/plain' },
      parseAs: 'text',
    }),
  );
  return text ?? '';
}

/**
 * Follows a running build over server-sent events: `line` events carry one output line each (as a
 * JSON string), then one `end` event carries the build as it ended.
 */
async function followOutput(
  session: ApiSession,
  path: BuildRef,
  onLine: (line: string) => void,
): Promise<Build> {
  const body = await session.call((client) =>
    client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/builds/{build}/output', {
      params: { path },
      headers: { Accept: 'text/event-stream' },
      parseAs: 'stream',
    }),
  );
  if (!body) throw new CliError(`the API sent no output for build ${path.build}`);
  const events = body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  try {
    for await (const event of events) {
      if (event.event === 'line') onLine(JSON.parse(event.data) as string);
      else if (event.event === 'end') return JSON.parse(event.data) as Build;
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`the output of build ${path.build} broke off (${reason}): run this command again`);
  }
  throw new CliError(`the output of build ${path.build} ended before the build did: run this command again`);
}

export function registerBuildCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'builds', "list an app's builds, newest first")
    .addOption(appOption().makeOptionMandatory())
    .option('--num <n>', 'how many to show', '15')
    .action(async (options: AppOptions & { num: string }) => {
      const path = resolveApp(options.app, context.store.target());
      const builds = await context.session().call((client) =>
        client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/builds', {
          params: { path, query: { limit: Number(options.num) } },
        }),
      );
      emit(options.json, builds, () => {
        if (builds.length === 0) return print(`${path.app} has no builds yet: push to build it.`);
        printTable(
          ['id', 'status', 'commit', 'release', 'by', 'created', 'duration'],
          builds.map((build) => [
            build.id,
            build.status,
            build.commit.slice(0, 7),
            build.releaseVersion === null ? null : `v${build.releaseVersion}`,
            build.actor,
            formatDate(build.createdAt),
            formatDuration(build.durationSeconds),
          ]),
        );
      });
    });

  defineCommand(program, 'builds:output <build>', "print a build's output, following it live while it runs")
    .addOption(appOption().makeOptionMandatory())
    .action(async (id: string, options: AppOptions) => {
      const path: BuildRef = { ...resolveApp(options.app, context.store.target()), build: id };
      const session = context.session();
      const build = await session.call((client) =>
        client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/builds/{build}', {
          params: { path },
        }),
      );
      if (isOver(build)) {
        const output = await outputText(session, path);
        if (options.json) printJson({ ...build, output });
        else if (output) print(output.replace(/\n$/, ''));
        return checkOutcome(build);
      }
      // With --json nothing is printed until the end, so the lines are kept for it.
      const lines: string[] = [];
      const ended = await followOutput(session, path, options.json ? (line) => lines.push(line) : print);
      if (options.json) printJson({ ...ended, output: lines.map((line) => `${line}\n`).join('') });
      checkOutcome(ended);
    });
}
