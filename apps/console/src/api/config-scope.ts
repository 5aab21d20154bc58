import { api, must, type Schemas } from './client';

/** Where config vars and secrets are set: a whole tenant, one namespace, or one app. */
export type ConfigScope =
  | { kind: 'tenant'; tenant: string }
  | { kind: 'namespace'; tenant: string; namespace: string }
  | { kind: 'app'; tenant: string; namespace: string; app: string };

export type ConfigKind = 'config' | 'secrets';
type ConfigSet = Schemas['ConfigSetDto_Output'];
type Patch = Schemas['PatchConfigDto'];

export const configQueryKey = (scope: ConfigScope, kind: ConfigKind, reveal = false) => [
  'config',
  kind,
  reveal,
  scope,
];

export function readConfig(scope: ConfigScope, kind: ConfigKind, reveal = false): Promise<ConfigSet> {
  const query = kind === 'secrets' && reveal ? { reveal: 'true' as const } : {};
  switch (scope.kind) {
    case 'tenant':
      return must(api.GET(`/v1/tenants/{tenant}/${kind}`, { params: { path: scope, query } }));
    case 'namespace':
      return must(
        api.GET(`/v1/tenants/{tenant}/namespaces/{namespace}/${kind}`, { params: { path: scope, query } }),
      );
    case 'app':
      return must(
        api.GET(`/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/${kind}`, {
          params: { path: scope, query },
        }),
      );
  }
}

export function patchConfig(scope: ConfigScope, kind: ConfigKind, body: Patch): Promise<ConfigSet> {
  switch (scope.kind) {
    case 'tenant':
      return must(api.PATCH(`/v1/tenants/{tenant}/${kind}`, { params: { path: scope }, body }));
    case 'namespace':
      return must(
        api.PATCH(`/v1/tenants/{tenant}/namespaces/{namespace}/${kind}`, { params: { path: scope }, body }),
      );
    case 'app':
      return must(
        api.PATCH(`/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/${kind}`, {
          params: { path: scope },
          body,
        }),
      );
  }
}
