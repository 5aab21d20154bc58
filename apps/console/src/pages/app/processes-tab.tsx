import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, must } from '../../api/client';
import { appPath, type AppRef } from '../../api/paths';
import { allows, useRole } from '../../api/session';
import { ListTable } from '../../components/list-table';
import { ProblemMessage } from '../../components/problem';
import { Ago } from '../../components/time';
import { psQueryKey, usePs } from '../app-status';
import { AutoscaleForm } from './autoscale-form';

const megabytes = (bytes: number | null) => (bytes === null ? '—' : `${Math.round(bytes / 1_048_576)} MB`);

export function ProcessesTab({ app }: { app: AppRef }) {
  const role = useRole(app.tenant);
  const queries = useQueryClient();
  const ps = usePs(app);
  const scale = useMutation({
    mutationFn: (update: { type: string; replicas: number }) =>
      must(
        api.PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/formation', {
          params: appPath(app),
          body: { updates: [update] },
        }),
      ),
    onSettled: () => queries.invalidateQueries({ queryKey: psQueryKey(app) }),
  });
  const restart = useMutation({
    mutationFn: () =>
      must(
        api.POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/ps/restart', {
          params: appPath(app),
          body: {},
        }),
      ),
    onSettled: () => queries.invalidateQueries({ queryKey: psQueryKey(app) }),
  });
  const mayWrite = allows(role, 'developer');

  return (
    <div>
      <section aria-labelledby="formation-heading">
        <h2 id="formation-heading">Formation</h2>
        <ProblemMessage error={ps.error ?? scale.error ?? restart.error} />
        {ps.data?.formation.length === 0 && <p>No process types until the first release.</p>}
        <ListTable columns={['Type', 'Command', 'Instances', 'Size', 'Autoscaling']}>
          {ps.data?.formation.map((entry) => (
            <tr key={entry.type}>
              <th scope="row">{entry.type}</th>
              <td>
                <code>{entry.command ?? '—'}</code>
              </td>
              <td>
                {mayWrite && !entry.autoscale ? (
                  <form
                    className="inline"
                    onSubmit={(event) => {
                      event.preventDefault();
                      const replicas = Number(new FormData(event.currentTarget).get('replicas'));
                      scale.mutate({ type: entry.type, replicas });
                    }}
                  >
                    <label>
                      <span className="visually-hidden">Instances of {entry.type}</span>
                      <input
                        name="replicas"
                        type="number"
                        min={0}
                        max={100}
                        defaultValue={entry.replicas}
                        key={entry.replicas}
                        className="narrow"
                      />
                    </label>
                    <button type="submit" disabled={scale.isPending}>
                      Scale
                    </button>
                  </form>
                ) : (
                  entry.replicas
                )}
                {entry.scaledToZeroAt && (
                  <div className="meta">
                    idle, scaled to zero <Ago at={entry.scaledToZeroAt} />
                  </div>
                )}
              </td>
              <td>
                {entry.cpuMillis}m CPU, {entry.memoryMb} MB
              </td>
              <td>{entry.autoscale ? `${entry.autoscale.min}–${entry.autoscale.max}` : 'off'}</td>
            </tr>
          ))}
        </ListTable>
        {mayWrite && (ps.data?.formation.length ?? 0) > 0 && (
          <button type="button" onClick={() => restart.mutate()} disabled={restart.isPending}>
            Restart all
          </button>
        )}
      </section>
      <section aria-labelledby="instances-heading">
        <h2 id="instances-heading">Instances</h2>
        {ps.data?.rollout && ps.data.rollout.status !== 'complete' && (
          <p className={ps.data.rollout.status === 'failed' ? 'problem' : 'notice'}>
            Rollout of v{ps.data.rollout.release}: {ps.data.rollout.status}
            {ps.data.rollout.reason ? ` (${ps.data.rollout.reason})` : ''}
          </p>
        )}
        <ListTable
          columns={['Instance', 'Type', 'Release', 'State', 'Node', 'Restarts', 'CPU', 'Memory', 'Since']}
        >
          {ps.data?.instances.map((instance) => (
            <tr key={instance.id} data-state={instance.state}>
              <td>
                <code>{instance.id.slice(0, 8)}</code>
              </td>
              <td>{instance.type}</td>
              <td>v{instance.release}</td>
              <td className={instance.message ? 'wrap' : undefined}>
                <span className={`state state-${instance.state}`}>{instance.state}</span>
                {instance.reason && <div className="meta">{instance.reason}</div>}
                {instance.message && <div className="meta">{instance.message}</div>}
              </td>
              <td>{instance.node ?? '—'}</td>
              <td>{instance.restarts}</td>
              <td>{instance.cpuPercent === null ? '—' : `${Math.round(instance.cpuPercent)}%`}</td>
              <td>{megabytes(instance.memoryBytes)}</td>
              <td>
                <Ago at={instance.since} />
              </td>
            </tr>
          ))}
        </ListTable>
      </section>
      <AutoscaleForm
        app={app}
        types={ps.data?.formation.map((entry) => entry.type) ?? []}
        mayWrite={mayWrite}
      />
    </div>
  );
}
