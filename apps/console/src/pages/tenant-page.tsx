import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, must } from '../api/client';
import { allows, useRole, useSession } from '../api/session';
import { ConfigEditor } from '../components/config-editor';
import { DangerZone } from '../components/danger-zone';
import { ProblemMessage } from '../components/problem';
import { CreateNamespaceForm } from './tenant-forms';
import { MembersSection } from './members-section';

export function TenantPage() {
  const { tenant } = useParams() as { tenant: string };
  const role = useRole(tenant);
  const { refresh } = useSession();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const namespaces = useQuery({
    queryKey: ['namespaces', tenant],
    queryFn: () => must(api.GET('/v1/tenants/{tenant}/namespaces', { params: { path: { tenant } } })),
  });
  const destroy = useMutation({
    mutationFn: () => must(api.DELETE('/v1/tenants/{tenant}', { params: { path: { tenant } } })),
    onSuccess: async () => {
      queries.clear();
      await refresh();
      navigate('/');
    },
  });

  return (
    <section>
      <h1>Tenant {tenant}</h1>
      <p className="meta">Your role: {role ?? 'none'}</p>
      <section aria-labelledby="namespaces-heading">
        <h2 id="namespaces-heading">Namespaces</h2>
        <ProblemMessage error={namespaces.error} />
        <ul>
          {namespaces.data?.map((namespace) => (
            <li key={namespace.id}>
              <Link to={`/t/${tenant}/${namespace.name}`}>{namespace.name}</Link>{' '}
              <span className="meta">
                {namespace.quota.maxInstances === null
                  ? 'no instance limit'
                  : `up to ${namespace.quota.maxInstances} instances`}
              </span>
            </li>
          ))}
        </ul>
        {allows(role, 'admin') && <CreateNamespaceForm tenant={tenant} />}
      </section>
      <MembersSection tenant={tenant} role={role} />
      <section aria-labelledby="tenant-config-heading">
        <h2 id="tenant-config-heading">Config and secrets for every app of {tenant}</h2>
        <ConfigEditor scope={{ kind: 'tenant', tenant }} role={role} writeRole="admin" />
      </section>
      {allows(role, 'owner') && (
        <DangerZone
          id="tenant-danger-heading"
          title="Delete this tenant"
          action="Delete tenant"
          name={tenant}
          consequence="Every namespace and app in it is deleted."
          error={destroy.error}
          onConfirm={() => destroy.mutateAsync()}
        />
      )}
    </section>
  );
}
