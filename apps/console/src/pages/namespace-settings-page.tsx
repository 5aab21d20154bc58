import { useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, must } from '../api/client';
import { allows, useRole } from '../api/session';
import { ConfigEditor } from '../components/config-editor';
import { DangerZone } from '../components/danger-zone';
import { ProblemMessage } from '../components/problem';

const limit = (value: number | null, unit: string) => (value === null ? 'no limit' : `${value}${unit}`);

export function NamespaceSettingsPage() {
  const { tenant, namespace } = useParams() as { tenant: string; namespace: string };
  const role = useRole(tenant);
  const navigate = useNavigate();
  const queries = useQueryClient();
  const path = { tenant, namespace };
  const details = useQuery({
    queryKey: ['namespace', tenant, namespace],
    queryFn: () => must(api.GET('/v1/tenants/{tenant}/namespaces/{namespace}', { params: { path } })),
  });
  const destroy = useMutation({
    mutationFn: () => must(api.DELETE('/v1/tenants/{tenant}/namespaces/{namespace}', { params: { path } })),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ['namespaces', tenant] });
      navigate(`/t/${tenant}`);
    },
  });
  const quota = details.data?.quota;
  return (
    <section>
      <h1>
        Namespace {tenant}/{namespace}
      </h1>
      <ProblemMessage error={details.error} />
      {quota && (
        <dl className="facts">
          <div>
            <dt>Instances</dt>
            <dd>{limit(quota.maxInstances, '')}</dd>
          </div>
          <div>
            <dt>Memory</dt>
            <dd>{limit(quota.maxMemoryMb, ' MB')}</dd>
          </div>
          <div>
            <dt>CPU</dt>
            <dd>{limit(quota.maxCpuMillis, 'm')}</dd>
          </div>
        </dl>
      )}
      <section aria-labelledby="namespace-config-heading">
        <h2 id="namespace-config-heading">Config and secrets for every app in {namespace}</h2>
        <ConfigEditor scope={{ kind: 'namespace', ...path }} role={role} writeRole="admin" />
      </section>
      {allows(role, 'admin') && (
        <DangerZone
          id="namespace-danger-heading"
          title="Delete this namespace"
          action="Delete namespace"
          name={namespace}
          consequence="Every app in it is destroyed."
          error={destroy.error}
          onConfirm={() => destroy.mutateAsync()}
        />
      )}
    </section>
  );
}
