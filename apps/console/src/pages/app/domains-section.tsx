import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, must } from '../../api/client';
import { appPath, type AppRef } from '../../api/paths';
import { allows, useRole } from '../../api/session';
import { ConfirmButton } from '../../components/confirm-button';
import { ListTable } from '../../components/list-table';
import { NameForm } from '../../components/name-form';
import { ProblemMessage } from '../../components/problem';
import { Ago } from '../../components/time';

/** The app's custom domains: names of the tenant's own on which it answers. */
export function DomainsSection({ app }: { app: AppRef }) {
  const role = useRole(app.tenant);
  const queries = useQueryClient();
  const key = ['domains', app];
  const domains = useQuery({
    queryKey: key,
    queryFn: () =>
      must(
        api.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/domains', { params: appPath(app) }),
      ),
  });
  const add = useMutation({
    mutationFn: (hostname: string) =>
      must(
        api.POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/domains', {
          params: appPath(app),
          body: { hostname },
        }),
      ),
    onSettled: () => queries.invalidateQueries({ queryKey: key }),
  });
  const remove = useMutation({
    mutationFn: (hostname: string) =>
      must(
        api.DELETE('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/domains/{hostname}', {
          params: { path: { ...app, hostname } },
        }),
      ),
    onSettled: () => queries.invalidateQueries({ queryKey: key }),
  });
  const mayWrite = allows(role, 'developer');

  return (
    <section aria-labelledby="domains-heading">
      <h3 id="domains-heading">Custom domains</h3>
      <p className="meta">
        Point the domain&apos;s DNS at the routers; *.example.com covers one level of names.
      </p>
      <ProblemMessage error={domains.error ?? remove.error} />
      {domains.data?.length === 0 && <p>None yet.</p>}
      {(domains.data?.length ?? 0) > 0 && (
        <ListTable columns={['Domain', 'Added', '']}>
          {domains.data?.map((domain) => (
            <tr key={domain.hostname}>
              <td>
                <code>{domain.hostname}</code>
              </td>
              <td>
                <Ago at={domain.createdAt} />
              </td>
              <td>
                {mayWrite && (
                  <ConfirmButton
                    label="Remove"
                    target={domain.hostname}
                    title={`Remove ${domain.hostname}?`}
                    onConfirm={() => remove.mutateAsync(domain.hostname)}
                  >
                    <p>The app stops answering on it at once.</p>
                  </ConfirmButton>
                )}
              </td>
            </tr>
          ))}
        </ListTable>
      )}
      {mayWrite && (
        <NameForm
          label="Add a domain"
          submit="Add domain"
          field="hostname"
          pending={add.isPending}
          error={add.error}
          onName={(hostname) => add.mutate(hostname)}
        />
      )}
    </section>
  );
}
