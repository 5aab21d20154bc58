import type { components } from '@nimbus/contracts';
import type { ApiSession } from './api';
import type { ScopeRef } from './scope';

export type ConfigSet = components['schemas']['ConfigSetDto_Output'];
export type Environment = components['schemas']['EnvironmentDto_Output'];
export type ConfigChange = components['schemas']['PatchConfigDto'];

/** Plain config vars, or secrets (stored encrypted, shown masked). */
export type ConfigKind = 'config' | 'secrets';

/** The masked form of a secret the API did not reveal. */
export const MASK = '********';

const revealQuery = (reveal: boolean) => ({ reveal: reveal ? ('true' as const) : ('false' as const) });

/** The entries set directly at one scope; `reveal` applies to secrets only. */
export function readConfig(
  session: ApiSession,
  scope: ScopeRef,
  kind: ConfigKind,
  reveal = false,
): Promise<ConfigSet> {
  const query = revealQuery(reveal);
  switch (scope.scope) {
    case 'tenant': {
      const path = { tenant: scope.tenant };
      return kind === 'config'
        ? session.call((client) => client.GET('/v1/tenants/{tenant}/config', { params: { path } }))
        : session.call((client) => client.GET('/v1/tenants/{tenant}/secrets', { params: { path, query } }));
    }
    case 'namespace': {
      const path = { tenant: scope.tenant, namespace: scope.namespace };
      return kind === 'config'
        ? session.call((client) =>
            client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/config', { params: { path } }),
          )
        : session.call((client) =>
            client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/secrets', { params: { path, query } }),
          );
    }
    case 'app': {
      const path = { tenant: scope.tenant, namespace: scope.namespace, app: scope.app };
      return kind === 'config'
        ? session.call((client) =>
            client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/config', { params: { path } }),
          )
        : session.call((client) =>
            client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/secrets', {
              params: { path, query },
            }),
          );
    }
  }
}

/** Sets and unsets keys of one kind at one scope, in one request (the API applies it atomically). */
export function patchConfig(
  session: ApiSession,
  scope: ScopeRef,
  kind: ConfigKind,
  body: ConfigChange,
): Promise<ConfigSet> {
  switch (scope.scope) {
    case 'tenant': {
      const params = { path: { tenant: scope.tenant } };
      return kind === 'config'
        ? session.call((client) => client.PATCH('/v1/tenants/{tenant}/config', { params, body }))
        : session.call((client) => client.PATCH('/v1/tenants/{tenant}/secrets', { params, body }));
    }
    case 'namespace': {
      const params = { path: { tenant: scope.tenant, namespace: scope.namespace } };
      return kind === 'config'
        ? session.call((client) =>
            client.PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/config', { params, body }),
          )
        : session.call((client) =>
            client.PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/secrets', { params, body }),
          );
    }
    case 'app': {
      const params = { path: { tenant: scope.tenant, namespace: scope.namespace, app: scope.app } };
      return kind === 'config'
        ? session.call((client) =>
            client.PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/config', { params, body }),
          )
        : session.call((client) =>
            client.PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/secrets', { params, body }),
          );
    }
  }
}
