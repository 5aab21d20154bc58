import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, must, type Schemas } from '../../api/client';
import { appPath, type AppRef } from '../../api/paths';
import { ProblemMessage, fieldProblem } from '../../components/problem';
import { psQueryKey } from '../app-status';

type Autoscaler = Schemas['AutoscalerListDto_Output'][number];
type SetAutoscaler = Schemas['SetAutoscalerDto'];

const optionalNumber = (value: FormDataEntryValue | null) =>
  value === null || value === '' ? undefined : Number(value);

/** The autoscaler of each process type: its bounds and targets, set or turned off. */
export function AutoscaleForm({ app, types, mayWrite }: { app: AppRef; types: string[]; mayWrite: boolean }) {
  const queries = useQueryClient();
  const key = ['autoscale', app];
  const autoscalers = useQuery({
    queryKey: key,
    queryFn: () =>
      must(
        api.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/autoscale', { params: appPath(app) }),
      ),
    refetchInterval: 5000,
  });
  const settled = () =>
    Promise.all([
      queries.invalidateQueries({ queryKey: key }),
      queries.invalidateQueries({ queryKey: psQueryKey(app) }),
    ]);
  const set = useMutation({
    mutationFn: ({ type, body }: { type: string; body: SetAutoscaler }) =>
      must(
        api.PUT('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/autoscale/{processType}', {
          params: { path: { ...app, processType: type } },
          body,
        }),
      ),
    onSettled: settled,
  });
  const off = useMutation({
    mutationFn: (type: string) =>
      must(
        api.DELETE('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/autoscale/{processType}', {
          params: { path: { ...app, processType: type } },
        }),
      ),
    onSettled: settled,
  });

  if (types.length === 0) return null;
  return (
    <section aria-labelledby="autoscale-heading">
      <h2 id="autoscale-heading">Autoscaling</h2>
      <ProblemMessage error={autoscalers.error ?? off.error} />
      {types.map((type) => (
        <AutoscalerEditor
          key={type}
          type={type}
          current={autoscalers.data?.find((entry) => entry.type === type) ?? null}
          mayWrite={mayWrite}
          error={set.variables?.type === type ? set.error : null}
          busy={set.isPending || off.isPending}
          onSet={(body) => set.mutate({ type, body })}
          onOff={() => off.mutate(type)}
        />
      ))}
    </section>
  );
}

function AutoscalerEditor(props: {
  type: string;
  current: Autoscaler | null;
  mayWrite: boolean;
  error: unknown;
  busy: boolean;
  onSet(body: SetAutoscaler): void;
  onOff(): void;
}) {
  const { type, current, mayWrite, error, busy } = props;
  const [editing, setEditing] = useState(false);
  const id = (field: string) => `autoscale-${type}-${field}`;
  const problem = (field: string) => fieldProblem(error, field);
  const field = (
    name: 'min' | 'max' | 'cpu' | 'concurrency' | 'rps',
    label: string,
    value: number | null | undefined,
  ) => (
    <label>
      {label}
      <input
        id={id(name)}
        name={name}
        type="number"
        min={0}
        step={name === 'concurrency' || name === 'rps' ? 'any' : 1}
        defaultValue={value ?? ''}
        aria-invalid={problem(name) ? true : undefined}
        className="narrow"
      />
      {problem(name) && <span className="field-problem">{problem(name)}</span>}
    </label>
  );

  return (
    <div className="autoscaler">
      <h3>{type}</h3>
      {current ? (
        <p>
          {current.min}–{current.max} instances
          {current.cpu !== null && `, CPU ${current.cpu}%`}
          {current.concurrency !== null && `, ${current.concurrency} in flight`}
          {current.rps !== null && `, ${current.rps} req/s`}
          {current.min === 0 && `, to zero after ${Math.round(current.idleTimeoutMs / 1000)}s idle`} — now{' '}
          {current.state === 'idle' ? 'idle at zero' : `${current.ready}/${current.replicas} ready`}
        </p>
      ) : (
        <p>Off: a fixed number of instances.</p>
      )}
      {mayWrite && !editing && (
        <div className="actions">
          <button type="button" onClick={() => setEditing(true)}>
            {current ? 'Change autoscaling' : 'Turn on autoscaling'}
          </button>
          {current && (
            <button type="button" onClick={props.onOff} disabled={busy}>
              Turn off autoscaling
            </button>
          )}
        </div>
      )}
      {mayWrite && editing && (
        <form
          className="grid"
          onSubmit={(event) => {
            event.preventDefault();
            const form = new FormData(event.currentTarget);
            const idle = String(form.get('idleTimeout') ?? '');
            props.onSet({
              min: optionalNumber(form.get('min')),
              max: optionalNumber(form.get('max')),
              cpu: optionalNumber(form.get('cpu')),
              concurrency: optionalNumber(form.get('concurrency')),
              rps: optionalNumber(form.get('rps')),
              idleTimeout: idle === '' ? undefined : idle,
            } as SetAutoscaler);
            setEditing(false);
          }}
        >
          {field('min', 'Min', current?.min ?? 1)}
          {field('max', 'Max', current?.max ?? 3)}
          {field('cpu', 'CPU target %', current?.cpu)}
          {field('concurrency', 'Concurrency target', current?.concurrency)}
          {field('rps', 'Requests/s target', current?.rps)}
          <label>
            Idle timeout (with min 0)
            <input name="idleTimeout" placeholder="30s" className="narrow" />
          </label>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Save
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <ProblemMessage error={error} />
    </div>
  );
}
