import { Option, type Command } from 'commander';
import { appOption, defineCommand, type CliContext, type JsonOption } from '../context';
import { CliError } from '../errors';
import { emit, formatDate, print, printPairs, printTable } from '../output';
import { resolveApp, type AppRef } from '../scope';

interface AppOptions extends JsonOption {
  app: string;
}

interface DestroyOptions extends AppOptions {
  confirm?: string;
}

type Runtime = 'process' | 'oci';

interface CreateOptions extends JsonOption {
  runtime?: Runtime;
}

interface UpdateOptions extends AppOptions {
  runtime: Runtime;
}

const runtimeOption = (description: string) =>
  new Option('--runtime <runtime>', description).choices(['process', 'oci'] as const);

const NO_TARGET = 'no target set: run `nimbus target TENANT/NAMESPACE` first';

/** The app `-a` names, as the API shows it. */
function fetchApp(context: CliContext, reference: string) {
  const path = resolveApp(reference, context.store.target());
  return context
    .session()
    .call((client) =>
      client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}', { params: { path } }),
    );
}

export function registerAppCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'apps', 'list the apps of the target namespace').action(
    async (options: JsonOption) => {
      const target = context.store.target();
      if (!target) throw new CliError(NO_TARGET);
      const apps = await context
        .session()
        .call((client) =>
          client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps', { params: { path: target } }),
        );
      emit(options.json, apps, () => {
        if (apps.length === 0) return print(`${target.tenant}/${target.namespace} has no apps.`);
        printTable(
          ['name', 'status', 'release', 'config version', 'created', 'updated'],
          apps.map((app) => [
            app.name,
            app.status,
            app.currentRelease === null ? '-' : `v${app.currentRelease}`,
            app.configVersion,
            formatDate(app.createdAt),
            formatDate(app.updatedAt),
          ]),
        );
      });
    },
  );

  defineCommand(
    program,
    'apps:create <name>',
    'create an app in the target namespace (or NAME as TENANT/NAMESPACE/APP)',
  )
    .addOption(
      runtimeOption(
        "how its instances run: an OCI container, or a process group on the node (default: the platform's, oci wherever runc runs)",
      ),
    )
    .action(async (name: string, options: CreateOptions) => {
      const { app, ...path } = resolveApp(name, context.store.target());
      const created = await context.session().call((client) =>
        client.POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps', {
          params: { path },
          body: { name: app, ...(options.runtime ? { runtime: options.runtime } : {}) },
        }),
      );
      emit(options.json, created, () =>
        print(
          `Created app ${created.name} in ${created.tenant}/${created.namespace} (runtime ${created.runtime})`,
        ),
      );
    });

  defineCommand(program, 'apps:info', 'show an app')
    .addOption(appOption().makeOptionMandatory())
    .action(async (options: AppOptions) => {
      const app = await fetchApp(context, options.app);
      emit(options.json, app, () =>
        printPairs([
          ['Name', app.name],
          ['Tenant', app.tenant],
          ['Namespace', app.namespace],
          ['URL', app.url],
          ['Runtime', app.runtime],
          ['Status', app.status],
          ['Release', app.currentRelease === null ? null : `v${app.currentRelease}`],
          ['Config version', app.configVersion],
          ['Created', formatDate(app.createdAt)],
          ['Updated', formatDate(app.updatedAt)],
        ]),
      );
    });

  defineCommand(program, 'apps:update', "change how an app's instances run; they are replaced one by one")
    .addOption(appOption().makeOptionMandatory())
    .addOption(
      runtimeOption('process (a process group on the node) or oci (a container)').makeOptionMandatory(),
    )
    .action(async (options: UpdateOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const app = await context.session().call((client) =>
        client.PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}', {
          params: { path },
          body: { runtime: options.runtime },
        }),
      );
      emit(options.json, app, () => print(`${app.name} now runs with the ${app.runtime} runtime`));
    });

  defineCommand(program, 'open', "print the app's URL, where the router serves it")
    .addOption(appOption().makeOptionMandatory())
    .action(async (options: AppOptions) => {
      const app = await fetchApp(context, options.app);
      emit(options.json, { url: app.url }, () => print(app.url));
    });

  defineCommand(program, 'git:remote', "print the app's git remote URL (push to it to deploy)")
    .addOption(appOption().makeOptionMandatory())
    .action(async (options: AppOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const session = context.session();
      await session.call((client) =>
        client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}', { params: { path } }),
      );
      // The gateway serves git beside the API; the password is any API token of yours.
      const remote = `${session.baseUrl.replace(/\/+$/, '')}/git/${path.tenant}/${path.namespace}/${path.app}.git`;
      emit(options.json, { url: remote }, () => print(remote));
    });

  defineCommand(program, 'apps:destroy', 'destroy an app and its config for good')
    .addOption(appOption().makeOptionMandatory())
    .option('--confirm <app>', 'the app name again, to confirm')
    .action(async (options: DestroyOptions) => {
      const path = resolveApp(options.app, context.store.target());
      assertConfirmed(path, options);
      const app = await context
        .session()
        .call((client) =>
          client.DELETE('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}', { params: { path } }),
        );
      emit(options.json, app, () => print(`Destroyed app ${app.tenant}/${app.namespace}/${app.name}`));
    });
}

/** As with `heroku apps:destroy`, the name must be typed again; the full reference also counts. */
function assertConfirmed(path: AppRef, options: DestroyOptions): void {
  const full = `${path.tenant}/${path.namespace}/${path.app}`;
  if (options.confirm === undefined) {
    throw new CliError(`this destroys app ${full} and its config: run again with --confirm ${path.app}`);
  }
  if (options.confirm !== path.app && options.confirm !== full) {
    throw new CliError(
      `--confirm "${options.confirm}" does not match app "${path.app}": nothing was destroyed`,
    );
  }
}
