import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  configQueryKey,
  patchConfig,
  readConfig,
  type ConfigKind,
  type ConfigScope,
} from '../api/config-scope';
import { allows, type Role } from '../api/session';
import { ConfirmButton } from './confirm-button';
import { ProblemMessage, fieldProblem } from './problem';

/** Config vars and secrets of one scope: listed, set and unset; secrets masked unless revealed. */
export function ConfigEditor({
  scope,
  role,
  writeRole,
}: {
  scope: ConfigScope;
  role: Role | null;
  /** The weakest role the API lets write this scope. */
  writeRole: Role;
}) {
  return (
    <div className="columns">
      <ConfigList scope={scope} kind="config" role={role} writeRole={writeRole} />
      <ConfigList scope={scope} kind="secrets" role={role} writeRole={writeRole} />
    </div>
  );
}

function ConfigList({
  scope,
  kind,
  role,
  writeRole,
}: {
  scope: ConfigScope;
  kind: ConfigKind;
  role: Role | null;
  writeRole: Role;
}) {
  const queries = useQueryClient();
  const [revealed, setRevealed] = useState(false);
  const list = useQuery({
    queryKey: configQueryKey(scope, kind, revealed),
    queryFn: () => readConfig(scope, kind, revealed),
  });
  const change = useMutation({
    mutationFn: (body: { set?: Record<string, string>; unset?: string[] }) => patchConfig(scope, kind, body),
    onSettled: () => queries.invalidateQueries({ queryKey: ['config'] }),
  });
  const mayWrite = allows(role, writeRole);
  const title = kind === 'config' ? 'Config vars' : 'Secrets';
  const idPrefix = `${scope.kind}-${kind}`;
  const keyProblem = fieldProblem(change.error, 'set');

  return (
    <section aria-labelledby={`${idPrefix}-heading`}>
      <h3 id={`${idPrefix}-heading`}>{title}</h3>
      {kind === 'secrets' && allows(role, 'admin') && (
        <button type="button" aria-pressed={revealed} onClick={() => setRevealed(!revealed)}>
          {revealed ? 'Hide values' : 'Reveal values'}
        </button>
      )}
      <ProblemMessage error={list.error} />
      {list.data?.entries.length === 0 && <p>None set here.</p>}
      <table className="list config">
        <tbody>
          {list.data?.entries.map((entry) => (
            <tr key={entry.key}>
              <th scope="row">
                <code>{entry.key}</code>
              </th>
              <td>
                {entry.value === null ? (
                  <span className="masked" aria-label="hidden value">
                    ••••••••
                  </span>
                ) : (
                  <code>{entry.value}</code>
                )}
              </td>
              <td>
                {mayWrite && (
                  <ConfirmButton
                    label="Unset"
                    target={entry.key}
                    title={`Unset ${entry.key}?`}
                    onConfirm={() => change.mutateAsync({ unset: [entry.key] })}
                  >
                    <p>A new release is made without it and rolled out.</p>
                  </ConfirmButton>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {mayWrite && (
        <form
          className="inline"
          onSubmit={(event) => {
            event.preventDefault();
            const form = event.currentTarget;
            const data = new FormData(form);
            change.mutate(
              { set: { [String(data.get('key'))]: String(data.get('value')) } },
              { onSuccess: () => form.reset() },
            );
          }}
        >
          <label>
            Key
            <input
              name="key"
              required
              pattern="[A-Za-z_][A-Za-z0-9_]*"
              autoComplete="off"
              aria-invalid={keyProblem ? true : undefined}
            />
          </label>
          <label>
            Value
            <input name="value" type={kind === 'secrets' ? 'password' : 'text'} autoComplete="off" />
          </label>
          <button type="submit" disabled={change.isPending}>
            {kind === 'secrets' ? 'Set secret' : 'Set config var'}
          </button>
        </form>
      )}
      <ProblemMessage error={change.error} />
    </section>
  );
}
