import { NavLink, Route, Routes, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, must } from '../api/client';
import { appPath, type AppRef } from '../api/paths';
import { CopyButton } from '../components/copy-button';
import { ProblemMessage } from '../components/problem';
import { StatusBadge } from './app-status';
import { AppConfigTab } from './app/config-tab';
import { EventsTab } from './app/events-tab';
import { LogsTab } from './app/logs-tab';
import { MetricsTab } from './app/metrics-tab';
import { OverviewTab } from './app/overview-tab';
import { ProcessesTab } from './app/processes-tab';
import { RunTab } from './app/run-tab';
import { SettingsTab } from './app/settings-tab';

const TABS = [
  ['', 'Overview'],
  ['processes', 'Processes'],
  ['logs', 'Logs'],
  ['metrics', 'Metrics'],
  ['events', 'Events'],
  ['config', 'Config'],
  ['run', 'Run'],
  ['settings', 'Settings'],
] as const;

export function AppPage() {
  const ref = useParams() as unknown as AppRef;
  const app = useQuery({
    queryKey: ['app', ref.tenant, ref.namespace, ref.app],
    queryFn: () =>
      must(api.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}', { params: appPath(ref) })),
    refetchInterval: 3000,
  });
  const base = `/t/${ref.tenant}/${ref.namespace}/apps/${ref.app}`;
  const gitRemote = `${window.location.origin}/git/${ref.tenant}/${ref.namespace}/${ref.app}.git`;

  if (app.error) return <ProblemMessage error={app.error} />;
  return (
    <section>
      <div className="heading">
        <h1>{ref.app}</h1>
        <StatusBadge status={app.data?.status} />
      </div>
      <dl className="facts">
        <div>
          <dt>URL</dt>
          <dd>{app.data ? <a href={app.data.url}>{app.data.url}</a> : '…'}</dd>
        </div>
        <div>
          <dt>Git remote</dt>
          <dd>
            <code>{gitRemote}</code> <CopyButton text={gitRemote} label="Copy git remote" />
          </dd>
        </div>
      </dl>
      <nav aria-label="App" className="tabs">
        {TABS.map(([path, label]) => (
          <NavLink key={path} to={path ? `${base}/${path}` : base} end>
            {label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={<OverviewTab app={ref} />} />
        <Route path="processes" element={<ProcessesTab app={ref} />} />
        <Route path="logs" element={<LogsTab app={ref} />} />
        <Route path="metrics" element={<MetricsTab app={ref} />} />
        <Route path="events" element={<EventsTab app={ref} />} />
        <Route path="config" element={<AppConfigTab app={ref} />} />
        <Route path="run" element={<RunTab app={ref} />} />
        <Route path="settings" element={<SettingsTab app={ref} />} />
      </Routes>
    </section>
  );
}
