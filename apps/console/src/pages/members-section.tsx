import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, must } from '../api/client';
import { allows, type Role } from '../api/session';
import { ConfirmButton } from '../components/confirm-button';
import { ListTable } from '../components/list-table';
import { ProblemMessage } from '../components/problem';

const ROLES: Role[] = ['viewer', 'developer', 'admin', 'owner'];

export function MembersSection({ tenant, role }: { tenant: string; role: Role | null }) {
  const queries = useQueryClient();
  const key = ['members', tenant];
  const members = useQuery({
    queryKey: key,
    queryFn: () => must(api.GET('/v1/tenants/{tenant}/members', { params: { path: { tenant } } })),
  });
  const put = useMutation({
    mutationFn: ({ email, role: newRole }: { email: string; role: Role }) =>
      must(
        api.PUT('/v1/tenants/{tenant}/members/{email}', {
          params: { path: { tenant, email } },
          body: { role: newRole },
        }),
      ),
    onSettled: () => queries.invalidateQueries({ queryKey: key }),
  });
  const remove = useMutation({
    mutationFn: (email: string) =>
      must(api.DELETE('/v1/tenants/{tenant}/members/{email}', { params: { path: { tenant, email } } })),
    onSettled: () => queries.invalidateQueries({ queryKey: key }),
  });
  const mayWrite = allows(role, 'admin');

  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      <ProblemMessage error={members.error ?? put.error ?? remove.error} />
      <ListTable columns={['Email', 'Role', '']}>
        {members.data?.map((member) => (
          <tr key={member.email}>
            <td>{member.email}</td>
            <td>
              {mayWrite ? (
                <label>
                  <span className="visually-hidden">Role of {member.email}</span>
                  <select
                    value={member.role}
                    onChange={(event) =>
                      put.mutate({ email: member.email, role: event.target.value as Role })
                    }
                  >
                    {ROLES.map((entry) => (
                      <option key={entry}>{entry}</option>
                    ))}
                  </select>
                </label>
              ) : (
                member.role
              )}
            </td>
            <td>
              {mayWrite && (
                <ConfirmButton
                  label="Remove"
                  target={member.email}
                  title={`Remove ${member.email} from ${tenant}?`}
                  onConfirm={() => remove.mutateAsync(member.email)}
                >
                  <p>Their access to {tenant} ends at once, tokens included.</p>
                </ConfirmButton>
              )}
            </td>
          </tr>
        ))}
      </ListTable>
      {mayWrite && (
        <form
          className="inline"
          onSubmit={(event) => {
            event.preventDefault();
            const form = event.currentTarget;
            const data = new FormData(form);
            put.mutate(
              { email: String(data.get('email')), role: String(data.get('role')) as Role },
              { onSuccess: () => form.reset() },
            );
          }}
        >
          <label>
            Email
            <input name="email" type="email" required />
          </label>
          <label>
            Role
            <select name="role" defaultValue="developer">
              {ROLES.map((entry) => (
                <option key={entry}>{entry}</option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={put.isPending}>
            Add member
          </button>
        </form>
      )}
    </section>
  );
}
