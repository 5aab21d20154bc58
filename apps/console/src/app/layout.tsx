import { useEffect, useRef } from 'react';
import { NavLink, Outlet, useLocation, useNavigate, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, must } from '../api/client';
import { useSession, useWhoami } from '../api/session';

/** The frame of every page: where you are (tenant, namespace), where you can go, who you are. */
export function Layout() {
  const whoami = useWhoami();
  const { signOut } = useSession();
  const { tenant, namespace } = useParams();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const firstPage = useRef(true);
  // A new page moves focus to its content, as a page load would, so keyboard and screen reader
  // users start there rather than wherever the old page left them.
  useEffect(() => {
    if (firstPage.current) firstPage.current = false;
    else main.current?.focus();
  }, [pathname]);
  const namespaces = useQuery({
    queryKey: ['namespaces', tenant],
    enabled: tenant !== undefined,
    queryFn: () =>
      must(api.GET('/v1/tenants/{tenant}/namespaces', { params: { path: { tenant: tenant! } } })),
  });

  return (
    <div className="layout">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <NavLink to="/" className="brand">
          Nimbus
        </NavLink>
        <nav aria-label="Where">
          <label>
            <span className="visually-hidden">Tenant</span>
            <select
              value={tenant ?? ''}
              onChange={(event) => navigate(event.target.value ? `/t/${event.target.value}` : '/')}
            >
              <option value="">Tenant…</option>
              {whoami.memberships.map((m) => (
                <option key={m.tenant} value={m.tenant}>
                  {m.tenant}
                </option>
              ))}
            </select>
          </label>
          {tenant && (
            <label>
              <span className="visually-hidden">Namespace</span>
              <select
                value={namespace ?? ''}
                onChange={(event) =>
                  navigate(event.target.value ? `/t/${tenant}/${event.target.value}` : `/t/${tenant}`)
                }
              >
                <option value="">Namespace…</option>
                {(namespaces.data ?? []).map((ns) => (
                  <option key={ns.name} value={ns.name}>
                    {ns.name}
                  </option>
                ))}
              </select>
            </label>
          )}
        </nav>
        <nav aria-label="Account" className="account">
          <NavLink to="/tokens">Tokens</NavLink>
          {whoami.user.platformAdmin && <NavLink to="/nodes">Nodes</NavLink>}
          <span className="who">{whoami.user.email}</span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </nav>
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        <Outlet />
      </main>
    </div>
  );
}
