import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api, must } from '../api/client';
import { useSession } from '../api/session';
import { NameForm } from '../components/name-form';

export function CreateTenantForm() {
  const { refresh } = useSession();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: (name: string) => must(api.POST('/v1/tenants', { body: { name } })),
    onSuccess: async (tenant) => {
      await refresh();
      navigate(`/t/${tenant.name}`);
    },
  });
  return (
    <NameForm
      label="Tenant name"
      submit="Create tenant"
      primary
      pending={create.isPending}
      error={create.error}
      onName={(name) => create.mutate(name)}
    />
  );
}

export function CreateNamespaceForm({ tenant }: { tenant: string }) {
  const queries = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: (name: string) =>
      must(api.POST('/v1/tenants/{tenant}/namespaces', { params: { path: { tenant } }, body: { name } })),
    onSuccess: async (namespace) => {
      await queries.invalidateQueries({ queryKey: ['namespaces', tenant] });
      navigate(`/t/${tenant}/${namespace.name}`);
    },
  });
  return (
    <NameForm
      label="New namespace"
      submit="Create namespace"
      pending={create.isPending}
      error={create.error}
      onName={(name) => create.mutate(name)}
    />
  );
}
