import { Navigate, Route, Routes } from 'react-router';
import { useSession } from '../api/session';
import { AppPage } from '../pages/app-page';
import { AppsPage } from '../pages/apps-page';
import { HomePage } from '../pages/home-page';
import { NamespaceSettingsPage } from '../pages/namespace-settings-page';
import { NodesPage } from '../pages/nodes-page';
import { SignInPage } from '../pages/sign-in-page';
import { TenantPage } from '../pages/tenant-page';
import { TokensPage } from '../pages/tokens-page';
import { Layout } from './layout';

export function ConsoleRoutes() {
  const { state } = useSession();
  if (state.status === 'loading') return <p className="loading">Loading…</p>;
  if (state.status === 'signed-out') return <SignInPage reason={state.reason} />;
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<HomePage />} />
        <Route path="tokens" element={<TokensPage />} />
        <Route path="nodes" element={<NodesPage />} />
        <Route path="t/:tenant" element={<TenantPage />} />
        <Route path="t/:tenant/:namespace" element={<AppsPage />} />
        <Route path="t/:tenant/:namespace/settings" element={<NamespaceSettingsPage />} />
        <Route path="t/:tenant/:namespace/apps/:app/*" element={<AppPage />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}
