import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, must, type Schemas } from '../api/client';
import { useWhoami } from '../api/session';
import { ConfirmButton } from '../components/confirm-button';
import { CopyButton } from '../components/copy-button';
import { ListTable } from '../components/list-table';
import { ProblemMessage } from '../components/problem';
import { Ago } from '../components/time';

type CreateToken = Schemas['CreateTokenDto'];

export function TokensPage() {
  const whoami = useWhoami();
  const queries = useQueryClient();
  const [created, setCreated] = useState<string | null>(null);
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: () => must(api.GET('/v1/tokens')) });
  const create = useMutation({
    mutationFn: (body: CreateToken) => must(api.POST('/v1/tokens', { body })),
    onSuccess: (token) => {
      setCreated(token.token);
      void queries.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => must(api.DELETE('/v1/tokens/{id}', { params: { path: { id } } })),
    onSettled: () => queries.invalidateQueries({ queryKey: ['tokens'] }),
  });

  return (
    <section>
      <h1>API tokens</h1>
      <p>For the CLI, CI and scripts: send one as a bearer token, or as the password of a git push.</p>
      <form
        className="inline"
        onSubmit={(event) => {
          event.preventDefault();
          const data = new FormData(event.currentTarget);
          const tenant = String(data.get('tenant'));
          const role = String(data.get('role'));
          setCreated(null);
          create.mutate({
            name: String(data.get('name')),
            expiresIn: String(data.get('expiresIn')),
            ...(tenant ? { tenant } : {}),
            ...(tenant && role ? { role } : {}),
          } as CreateToken);
        }}
      >
        <label>
          Name
          <input name="name" required />
        </label>
        <label>
          Tenant
          <select name="tenant" defaultValue="">
            <option value="">All my tenants</option>
            {whoami.memberships.map((m) => (
              <option key={m.tenant}>{m.tenant}</option>
            ))}
          </select>
        </label>
        <label>
          Role cap
          <select name="role" defaultValue="">
            <option value="">My role</option>
            <option>viewer</option>
            <option>developer</option>
            <option>admin</option>
          </select>
        </label>
        <label>
          Expires in
          <select name="expiresIn" defaultValue="90d">
            <option>7d</option>
            <option>30d</option>
            <option>90d</option>
            <option>365d</option>
          </select>
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create token
        </button>
      </form>
      <ProblemMessage error={create.error} />
      {created && (
        <div className="notice" role="status">
          <p>Your new token, shown this once:</p>
          <code className="secret-once">{created}</code> <CopyButton text={created} label="Copy token" />
        </div>
      )}
      <ProblemMessage error={tokens.error ?? revoke.error} />
      <ListTable columns={['Name', 'Prefix', 'Scope', 'Last used', 'Expires', '']}>
        {tokens.data
          ?.filter((token) => token.kind === 'api')
          .map((token) => (
            <tr key={token.id}>
              <td>{token.name}</td>
              <td>
                <code>{token.prefix}…</code>
              </td>
              <td>
                {token.tenant ?? 'all tenants'}
                {token.namespace ? `/${token.namespace}` : ''}
                {token.role ? ` (${token.role})` : ''}
              </td>
              <td>{token.lastUsedAt ? <Ago at={token.lastUsedAt} /> : 'never'}</td>
              <td>{token.expiresAt ? <Ago at={token.expiresAt} /> : 'never'}</td>
              <td>
                {token.revokedAt ? (
                  'revoked'
                ) : (
                  <ConfirmButton
                    label="Revoke"
                    target={token.name}
                    title={`Revoke ${token.name}?`}
                    danger
                    onConfirm={() => revoke.mutateAsync(token.id)}
                  >
                    <p>Anything using it is refused from its next request on.</p>
                  </ConfirmButton>
                )}
              </td>
            </tr>
          ))}
      </ListTable>
    </section>
  );
}
