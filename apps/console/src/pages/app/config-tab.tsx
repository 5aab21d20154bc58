import type { AppRef } from '../../api/paths';
import { useRole } from '../../api/session';
import { ConfigEditor } from '../../components/config-editor';

export function AppConfigTab({ app }: { app: AppRef }) {
  const role = useRole(app.tenant);
  return (
    <section aria-labelledby="config-heading">
      <h2 id="config-heading">Config and secrets of this app</h2>
      <p className="meta">Namespace and tenant values apply too, unless the app sets the same key.</p>
      <ConfigEditor scope={{ kind: 'app', ...app }} role={role} writeRole="developer" />
    </section>
  );
}
