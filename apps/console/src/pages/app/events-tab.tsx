import { useQuery } from '@tanstack/react-query';
import { api, must } from '../../api/client';
import { appPath, type AppRef } from '../../api/paths';
import { ListTable } from '../../components/list-table';
import { ProblemMessage } from '../../components/problem';
import { Ago } from '../../components/time';

export function EventsTab({ app }: { app: AppRef }) {
  const events = useQuery({
    queryKey: ['events', app],
    queryFn: () =>
      must(
        api.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/events', { params: appPath(app) }),
      ),
    refetchInterval: 3000,
  });
  return (
    <section aria-labelledby="events-heading">
      <h2 id="events-heading">Events</h2>
      <ProblemMessage error={events.error} />
      {events.data?.length === 0 && <p>Nothing has happened yet.</p>}
      <ListTable columns={['When', 'Type', 'Reason', 'Message']}>
        {events.data?.map((event, index) => (
          <tr
            key={`${event.createdAt}-${index}`}
            className={event.type === 'Warning' ? 'warning' : undefined}
          >
            <td>
              <Ago at={event.createdAt} />
            </td>
            <td>{event.type}</td>
            <td>{event.reason}</td>
            <td className="wrap">{event.message}</td>
          </tr>
        ))}
      </ListTable>
    </section>
  );
}
