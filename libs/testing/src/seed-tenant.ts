import { createApiToken, createUser, type CreatedUser } from './factories';
import type { TestGateway } from './test-gateway';

export interface SeededTenant {
  owner: CreatedUser;
  /** An API token of the owner, not limited to the tenant. */
  ownerToken: string;
}

/**
 * A tenant created through the API, as its owner would (so it has a real data key), with
 * namespaces and apps: `{ prod: ['web', 'api'], staging: [] }`.
 */
export async function seedTenant(
  gateway: Pick<TestGateway, 'db' | 'client'>,
  tenant: string,
  layout: Record<string, string[]> = {},
): Promise<SeededTenant> {
  const owner = await createUser(gateway.db);
  const ownerToken = (await createApiToken(gateway.db, owner.id)).token;
  const api = gateway.client(ownerToken);
  const created = await api.POST('/v1/tenants', { body: { name: tenant } });
  if (!created.response.ok) throw new Error(`could not create tenant ${tenant}: ${created.response.status}`);
  for (const [namespace, apps] of Object.entries(layout)) {
    await api.POST('/v1/tenants/{tenant}/namespaces', {
      params: { path: { tenant } },
      body: { name: namespace },
    });
    for (const app of apps) {
      await api.POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps', {
        params: { path: { tenant, namespace } },
        body: { name: app },
      });
    }
  }
  return { owner, ownerToken };
}
