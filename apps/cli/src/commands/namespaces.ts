import { InvalidArgumentError, Option, type Command } from 'commander';
import type { components } from '@nimbus/contracts';
import { defineCommand, type CliContext, type JsonOption } from '../context';
import { emit, formatDate, print, printTable } from '../output';
import { parseTarget, resolveTenant } from '../scope';

type Namespace = components['schemas']['NamespaceDto_Output'];

interface TenantOption extends JsonOption {
  tenant?: string;
}

interface CreateNamespaceOptions extends TenantOption {
  maxInstances?: number;
  maxMemory?: number;
}

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

const limit = (value: number | null, unit = '') => (value === null ? 'unlimited' : `${value}${unit}`);

export function registerNamespaceCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'namespaces', 'list the namespaces of a tenant')
    .option('--tenant <tenant>', 'the tenant (default: the target tenant)')
    .action(async (options: TenantOption) => {
      const tenant = resolveTenant(options.tenant, context.store.target());
      const namespaces = await context
        .session()
        .call((client) => client.GET('/v1/tenants/{tenant}/namespaces', { params: { path: { tenant } } }));
      emit(options.json, namespaces, () => {
        if (namespaces.length === 0) return print(`Tenant ${tenant} has no namespaces.`);
        printTable(
          ['name', 'max instances', 'max memory', 'created'],
          namespaces.map((namespace) => [
            namespace.name,
            limit(namespace.quota.maxInstances),
            limit(namespace.quota.maxMemoryMb, ' MB'),
            formatDate(namespace.createdAt),
          ]),
        );
      });
    });

  defineCommand(program, 'namespaces:create <name>', 'create a namespace, optionally with a quota')
    .option('--tenant <tenant>', 'the tenant (default: the target tenant)')
    .addOption(new Option('--max-instances <n>', 'most instances running at once').argParser(wholeNumber))
    .addOption(
      new Option('--max-memory <mb>', 'most memory of all instances together, in MB').argParser(wholeNumber),
    )
    .action(async (name: string, options: CreateNamespaceOptions) => {
      const tenant = resolveTenant(options.tenant, context.store.target());
      const body = {
        name,
        ...(options.maxInstances !== undefined ? { maxInstances: options.maxInstances } : {}),
        ...(options.maxMemory !== undefined ? { maxMemoryMb: options.maxMemory } : {}),
      };
      const namespace = await context
        .session()
        .call((client) =>
          client.POST('/v1/tenants/{tenant}/namespaces', { params: { path: { tenant } }, body }),
        );
      emit(options.json, namespace, () =>
        print(`Created namespace ${tenant}/${namespace.name}${describeQuota(namespace)}`),
      );
    });

  defineCommand(
    program,
    'target [tenant/namespace]',
    'set the namespace that -a APP resolves in (show it when omitted)',
  ).action(async (reference: string | undefined, options: JsonOption) => {
    if (reference === undefined) return showTarget(context, options);
    const { tenant, namespace } = parseTarget(reference);
    const found = await context.session().call((client) =>
      client.GET('/v1/tenants/{tenant}/namespaces/{namespace}', {
        params: { path: { tenant, namespace } },
      }),
    );
    context.store.update((stored) => ({
      ...stored,
      target: { tenant: found.tenant, namespace: found.name },
    }));
    emit(options.json, found, () => print(`Target is now ${found.tenant}/${found.name}`));
  });
}

function showTarget(context: CliContext, options: JsonOption): void {
  const target = context.store.target() ?? null;
  emit(options.json, target, () =>
    print(
      target
        ? `${target.tenant}/${target.namespace}`
        : 'No target set: run `nimbus target TENANT/NAMESPACE`.',
    ),
  );
}

function describeQuota(namespace: Namespace): string {
  const { maxInstances, maxMemoryMb } = namespace.quota;
  const parts = [
    maxInstances === null ? null : `at most ${maxInstances} instances`,
    maxMemoryMb === null ? null : `${maxMemoryMb} MB of memory`,
  ].filter((part) => part !== null);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
