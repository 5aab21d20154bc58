import type { Command } from 'commander';
import { appOption, defineCommand, type CliContext, type JsonOption } from '../context';
import { emit, formatDate, print, printTable } from '../output';
import { resolveApp } from '../scope';

interface AppOptions extends JsonOption {
  app: string;
}

export function registerDomainCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'domains', "list an app's custom domains")
    .addOption(appOption().makeOptionMandatory())
    .action(async (options: AppOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const domains = await context
        .session()
        .call((client) =>
          client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/domains', { params: { path } }),
        );
      emit(options.json, domains, () => {
        if (domains.length === 0) return print(`${path.app} has no custom domains.`);
        printTable(
          ['domain', 'added'],
          domains.map((domain) => [domain.hostname, formatDate(domain.createdAt)]),
        );
      });
    });

  defineCommand(
    program,
    'domains:add <hostname>',
    'make an app answer on a domain of yours (www.example.com, or *.example.com)',
  )
    .addOption(appOption().makeOptionMandatory())
    .action(async (hostname: string, options: AppOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const added = await context.session().call((client) =>
        client.POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/domains', {
          params: { path },
          body: { hostname },
        }),
      );
      emit(options.json, added, () =>
        print(`Added ${added.hostname} to ${path.app}: point its DNS at the routers`),
      );
    });

  defineCommand(program, 'domains:remove <hostname>', 'stop an app answering on a custom domain')
    .addOption(appOption().makeOptionMandatory())
    .action(async (hostname: string, options: AppOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const removed = await context.session().call((client) =>
        client.DELETE('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/domains/{hostname}', {
          params: { path: { ...path, hostname } },
        }),
      );
      emit(options.json, removed, () => print(`Removed ${removed.hostname} from ${path.app}`));
    });
}
