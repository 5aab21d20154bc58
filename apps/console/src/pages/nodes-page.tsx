import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, must } from '../api/client';
import { useWhoami } from '../api/session';
import { ConfirmButton } from '../components/confirm-button';
import { ListTable } from '../components/list-table';
import { ProblemMessage } from '../components/problem';
import { Ago } from '../components/time';

type NodeAction = 'cordon' | 'uncordon' | 'drain';

export function NodesPage() {
  const whoami = useWhoami();
  const queries = useQueryClient();
  const nodes = useQuery({
    queryKey: ['nodes'],
    queryFn: () => must(api.GET('/v1/nodes')),
    enabled: whoami.user.platformAdmin,
    refetchInterval: 5000,
  });
  const act = useMutation({
    mutationFn: ({ name, action }: { name: string; action: NodeAction }) =>
      must(api.POST(`/v1/nodes/{name}/${action}`, { params: { path: { name } } })),
    onSettled: () => queries.invalidateQueries({ queryKey: ['nodes'] }),
  });
  if (!whoami.user.platformAdmin) return <p>Nodes are for platform administrators.</p>;
  return (
    <section>
      <h1>Nodes</h1>
      <ProblemMessage error={nodes.error ?? act.error} />
      <ListTable
        columns={['Node', 'Status', 'CPU allocated', 'Memory allocated', 'Instances', 'Last seen', '']}
      >
        {nodes.data?.map((node) => (
          <tr key={node.name}>
            <th scope="row">
              {node.name}
              <div className="meta">{node.address}</div>
            </th>
            <td>
              <span className={`state state-${node.status}`}>{node.status}</span>
              {node.cordoned && <span className="badge">cordoned</span>}
              {node.draining && <span className="badge">draining</span>}
            </td>
            <td>
              {node.allocatedCpuMillis}m / {node.cpuMillis}m
            </td>
            <td>
              {node.allocatedMemoryMb} / {node.memoryMb} MB
            </td>
            <td>{node.instances}</td>
            <td>
              <Ago at={node.leaseRenewedAt} />
            </td>
            <td className="actions">
              {node.cordoned ? (
                <button type="button" onClick={() => act.mutate({ name: node.name, action: 'uncordon' })}>
                  Uncordon<span className="visually-hidden"> {node.name}</span>
                </button>
              ) : (
                <button type="button" onClick={() => act.mutate({ name: node.name, action: 'cordon' })}>
                  Cordon<span className="visually-hidden"> {node.name}</span>
                </button>
              )}
              <ConfirmButton
                label="Drain"
                target={node.name}
                title={`Drain ${node.name}?`}
                danger
                onConfirm={() => act.mutateAsync({ name: node.name, action: 'drain' })}
              >
                <p>No new instances are placed on it, and its instances move to other nodes.</p>
              </ConfirmButton>
            </td>
          </tr>
        ))}
      </ListTable>
    </section>
  );
}
