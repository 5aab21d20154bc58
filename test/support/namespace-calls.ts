import { join } from 'node:path';
import { git, gitRemote } from '@nimbus/testing';
import { commit } from './apps';
import type { TestCluster } from './cluster';

/** What the calls need, read on each call: a spec sets them up in its beforeAll. */
export interface NamespaceContext {
  cluster: TestCluster;
  /** A token of the tenant's owner. */
  token: string;
  /** Where the spec keeps its apps' repositories, one directory per app. */
  work: string;
}

/**
 * The calls whole-cluster specs make on the apps of one namespace, as its owner: the API client,
 * an app's path parameters and router host, `ps`, events, releases, and pushing files as a commit.
 */
export function namespaceCalls(context: () => NamespaceContext, tenant: string, namespace: string) {
  const api = () => context().cluster.gateway.client(context().token);
  const at = (app: string) => ({ tenant, namespace, app });
  return {
    api,
    at,
    host: (app: string) => context().cluster.hostOf(app, namespace, tenant),
    ps: async (app: string) =>
      (
        await api().GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/ps', {
          params: { path: at(app) },
        })
      ).data!,
    events: async (app: string, limit = 100) =>
      (
        await api().GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/events', {
          params: { path: at(app), query: { limit } },
        })
      ).data!,
    releases: async (app: string) =>
      (
        await api().GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/releases', {
          params: { path: at(app) },
        })
      ).data!,
    /** Commits `files` in the app's repository (`dir`, by default one of its own) and pushes main. */
    push: async (app: string, files: Record<string, string>, dir = join(context().work, app)) => {
      const { cluster, token } = context();
      await commit(dir, files);
      return git(dir, 'push', gitRemote(cluster.gateway.url, token, `${tenant}/${namespace}/${app}`), 'main');
    },
  };
}
