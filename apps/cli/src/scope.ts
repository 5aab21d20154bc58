import { parseAppReference } from '@nimbus/domain';
import type { Target } from './config-store';
import { CliError } from './errors';

export interface AppRef extends Target {
  app: string;
}

/** Where config vars and secrets live: a tenant, a namespace or an app. */
export type ScopeRef =
  { scope: 'tenant'; tenant: string } | ({ scope: 'namespace' } & Target) | ({ scope: 'app' } & AppRef);

export interface ScopeOptions {
  app?: string;
  tenant?: string;
  namespace?: string;
}

const SET_TARGET = 'run `nimbus target TENANT/NAMESPACE`';

/** `-a APP` resolves in the current target; `-a TENANT/NAMESPACE/APP` is absolute. */
export function resolveApp(reference: string, target: Target | undefined): AppRef {
  let parsed;
  try {
    parsed = parseAppReference(reference);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  if (parsed.tenant !== undefined && parsed.namespace !== undefined) {
    return { tenant: parsed.tenant, namespace: parsed.namespace, app: parsed.app };
  }
  if (!target)
    throw new CliError(`no target set for app "${parsed.app}": ${SET_TARGET} or use -a TENANT/NAMESPACE/APP`);
  return { ...target, app: parsed.app };
}

/** `TENANT/NAMESPACE`, both parts present. */
export function parseTarget(reference: string): Target {
  const parts = reference.split('/');
  const [tenant, namespace] = parts;
  if (parts.length !== 2 || !tenant || !namespace) {
    throw new CliError(`invalid namespace reference "${reference}": use TENANT/NAMESPACE`);
  }
  return { tenant, namespace };
}

/** `TENANT/NAMESPACE`, or `NAMESPACE` in the target's tenant. */
export function resolveNamespace(reference: string, target: Target | undefined): Target {
  if (reference.includes('/')) return parseTarget(reference);
  if (!reference) throw new CliError('the namespace name is empty');
  if (!target)
    throw new CliError(`no target set for namespace "${reference}": ${SET_TARGET} or use TENANT/NAMESPACE`);
  return { tenant: target.tenant, namespace: reference };
}

/** An explicit `--tenant`, else the target's tenant. */
export function resolveTenant(explicit: string | undefined, target: Target | undefined): string {
  if (explicit) return explicit;
  if (!target) throw new CliError(`no tenant given: use --tenant TENANT or ${SET_TARGET}`);
  return target.tenant;
}

/** Exactly one of `-a`, `--tenant` and `--namespace` names the scope of a config command. */
export function resolveScope(options: ScopeOptions, target: Target | undefined): ScopeRef {
  const given = [options.app, options.tenant, options.namespace].filter(
    (value) => value !== undefined,
  ).length;
  if (given === 0)
    throw new CliError('name a scope: -a APP, --tenant TENANT or --namespace TENANT/NAMESPACE');
  if (given > 1) throw new CliError('use only one of -a, --tenant and --namespace');
  if (options.app !== undefined) return { scope: 'app', ...resolveApp(options.app, target) };
  if (options.namespace !== undefined)
    return { scope: 'namespace', ...resolveNamespace(options.namespace, target) };
  return { scope: 'tenant', tenant: resolveTenant(options.tenant, undefined) };
}

/** How a scope reads in messages: `app acme/prod/web`. */
export function describeScope(scope: ScopeRef): string {
  if (scope.scope === 'tenant') return `tenant ${scope.tenant}`;
  if (scope.scope === 'namespace') return `namespace ${scope.tenant}/${scope.namespace}`;
  return `app ${scope.tenant}/${scope.namespace}/${scope.app}`;
}
