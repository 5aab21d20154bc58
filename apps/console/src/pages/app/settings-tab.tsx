import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api, must } from '../../api/client';
import { appPath, type AppRef } from '../../api/paths';
import { allows, useRole } from '../../api/session';
import { ConfirmButton } from '../../components/confirm-button';
import { ProblemMessage } from '../../components/problem';
import { DomainsSection } from './domains-section';

export function SettingsTab({ app }: { app: AppRef }) {
  const role = useRole(app.tenant);
  const navigate = useNavigate();
  const queries = useQueryClient();
  const destroy = useMutation({
    mutationFn: () =>
      must(api.DELETE('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}', { params: appPath(app) })),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ['apps', app.tenant, app.namespace] });
      navigate(`/t/${app.tenant}/${app.namespace}`);
    },
  });
  return (
    <section aria-labelledby="settings-heading">
      <h2 id="settings-heading">Settings</h2>
      <DomainsSection app={app} />
      <h3>Destroy this app</h3>
      <p>Its instances stop, and its releases, builds, config and repository are deleted.</p>
      {allows(role, 'admin') ? (
        <ConfirmButton
          label="Destroy app"
          title={`Destroy ${app.app}?`}
          typeToConfirm={app.app}
          danger
          onConfirm={() => destroy.mutateAsync()}
        >
          <p>This cannot be undone.</p>
        </ConfirmButton>
      ) : (
        <p className="meta">Destroying an app needs the admin role.</p>
      )}
      <ProblemMessage error={destroy.error} />
    </section>
  );
}
