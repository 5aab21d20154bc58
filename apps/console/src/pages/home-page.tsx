import { Navigate } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, must } from '../api/client';
import { useWhoami } from '../api/session';
import { ProblemMessage } from '../components/problem';
import { CreateTenantForm } from './tenant-forms';

/** Straight to the first namespace of the first tenant; a person with none is asked to make one. */
export function HomePage() {
  const whoami = useWhoami();
  const first = whoami.memberships[0]?.tenant;
  const namespaces = useQuery({
    queryKey: ['namespaces', first],
    enabled: first !== undefined,
    queryFn: () => must(api.GET('/v1/tenants/{tenant}/namespaces', { params: { path: { tenant: first! } } })),
  });
  if (first === undefined) {
    return (
      <section>
        <h1>Welcome to Nimbus</h1>
        <p>You are not a member of any tenant yet. Create one, or ask a tenant&apos;s admin to add you.</p>
        <CreateTenantForm />
      </section>
    );
  }
  if (namespaces.error) return <ProblemMessage error={namespaces.error} />;
  if (!namespaces.data) return <p className="loading">Loading…</p>;
  const namespace = namespaces.data[0]?.name;
  return <Navigate to={namespace ? `/t/${first}/${namespace}` : `/t/${first}`} replace />;
}
