import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, must } from '../api/client';
import { allows, useRole } from '../api/session';
import { ListTable } from '../components/list-table';
import { NameForm } from '../components/name-form';
import { ProblemMessage } from '../components/problem';
import { StatusBadge } from './app-status';

export function AppsPage() {
  const { tenant, namespace } = useParams() as { tenant: string; namespace: string };
  const role = useRole(tenant);
  const queries = useQueryClient();
  const navigate = useNavigate();
  const path = { tenant, namespace };
  const apps = useQuery({
    queryKey: ['apps', tenant, namespace],
    queryFn: () => must(api.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps', { params: { path } })),
    refetchInterval: 5000,
  });
  const create = useMutation({
    mutationFn: (name: string) =>
      must(
        api.POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps', { params: { path }, body: { name } }),
      ),
    onSuccess: async (app) => {
      await queries.invalidateQueries({ queryKey: ['apps', tenant, namespace] });
      navigate(`/t/${tenant}/${namespace}/apps/${app.name}`);
    },
  });

  return (
    <section>
      <div className="heading">
        <h1>
          Apps in {tenant}/{namespace}
        </h1>
        <div className="links">
          <Link to={`/t/${tenant}/${namespace}/settings`}>Namespace settings</Link>
          <Link to={`/t/${tenant}`}>Tenant</Link>
        </div>
      </div>
      {allows(role, 'developer') && (
        <NameForm
          label="New app"
          submit="Create app"
          primary
          pending={create.isPending}
          error={create.error}
          onName={(name) => create.mutate(name)}
        />
      )}
      <ProblemMessage error={apps.error} />
      {apps.data && apps.data.length === 0 && <p>No apps here yet.</p>}
      {apps.data && apps.data.length > 0 && (
        <ListTable columns={['App', 'State', 'Release', 'URL']}>
          {apps.data.map((app) => (
            <tr key={app.id}>
              <td>
                <Link to={`/t/${tenant}/${namespace}/apps/${app.name}`}>{app.name}</Link>
              </td>
              <td>
                <StatusBadge status={app.status} />
              </td>
              <td>{app.currentRelease === null ? '—' : `v${app.currentRelease}`}</td>
              <td>
                <a href={app.url}>{app.url}</a>
              </td>
            </tr>
          ))}
        </ListTable>
      )}
    </section>
  );
}
