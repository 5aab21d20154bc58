import { InvalidArgumentError, type Command } from 'commander';
import { appOption, defineCommand, type CliContext, type JsonOption } from '../context';
import { emit, formatDate, print, printPairs, printTable } from '../output';
import { resolveApp } from '../scope';

interface AppOptions extends JsonOption {
  app: string;
}

/** `v3` or `3`, as Heroku's CLI accepts. */
function releaseVersion(value: string): number {
  const match = /^v?(\d+)$/.exec(value);
  if (!match || Number(match[1]) < 1) throw new InvalidArgumentError('must be a release such as v3');
  return Number(match[1]);
}

const shortDigest = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

export function registerReleaseCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'releases', "list an app's releases, newest first")
    .addOption(appOption().makeOptionMandatory())
    .option('--num <n>', 'how many to show', '15')
    .action(async (options: AppOptions & { num: string }) => {
      const path = resolveApp(options.app, context.store.target());
      const releases = await context.session().call((client) =>
        client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/releases', {
          params: { path, query: { limit: Number(options.num) } },
        }),
      );
      emit(options.json, releases, () => {
        if (releases.length === 0) return print(`${path.app} has no releases yet: push to deploy it.`);
        printTable(
          ['version', 'description', 'image', 'by', 'created'],
          releases.map((release) => [
            `v${release.version}${release.current ? ' (current)' : ''}`,
            release.description,
            shortDigest(release.imageDigest),
            release.actor,
            formatDate(release.createdAt),
          ]),
        );
      });
    });

  defineCommand(program, 'releases:info <version>', 'show one release')
    .addOption(appOption().makeOptionMandatory())
    .action(async (version: string, options: AppOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const release = await context.session().call((client) =>
        client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/releases/{version}', {
          params: { path: { ...path, version: releaseVersion(version) } },
        }),
      );
      emit(options.json, release, () =>
        printPairs([
          ['Version', `v${release.version}${release.current ? ' (current)' : ''}`],
          ['Description', release.description],
          ['Image', release.imageDigest],
          [
            'Processes',
            Object.entries(release.processTypes)
              .map(([type, command]) => `${type}: ${command}`)
              .join('; '),
          ],
          ['Config version', release.configVersion],
          ['By', release.actor],
          ['Created', formatDate(release.createdAt)],
        ]),
      );
    });

  defineCommand(
    program,
    'rollback <version>',
    "run an earlier release's image and config again, as a new release",
  )
    .addOption(appOption().makeOptionMandatory())
    .action(async (version: string, options: AppOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const release = await context.session().call((client) =>
        client.POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/rollback', {
          params: { path },
          body: { version: releaseVersion(version) },
        }),
      );
      emit(options.json, release, () =>
        print(`Rolled back ${path.app} to v${releaseVersion(version)}: now v${release.version}`),
      );
    });
}
