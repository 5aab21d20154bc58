import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api, must, type Schemas } from '../../api/client';
import { useEventStream } from '../../api/event-stream';
import { appPath, appStreamUrl, type AppRef } from '../../api/paths';
import { allows, useRole } from '../../api/session';
import { ProblemMessage } from '../../components/problem';

type Instance = Schemas['InstanceDto_Output'];

/** A one-off process in the current release, with its output as it runs. */
export function RunTab({ app }: { app: AppRef }) {
  const role = useRole(app.tenant);
  const [instance, setInstance] = useState<string | null>(null);
  const run = useMutation({
    mutationFn: (command: string) =>
      must(
        api.POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/runs', {
          params: appPath(app),
          body: { command },
        }),
      ),
    onSuccess: (created) => setInstance(created.instance.id),
  });
  if (!allows(role, 'developer'))
    return (
      <section aria-labelledby="run-heading">
        <h2 id="run-heading">Run a one-off process</h2>
        <p>Running one-off processes needs the developer role in {app.tenant}.</p>
      </section>
    );
  return (
    <section aria-labelledby="run-heading">
      <h2 id="run-heading">Run a one-off process</h2>
      <form
        className="inline"
        onSubmit={(event) => {
          event.preventDefault();
          setInstance(null);
          run.mutate(String(new FormData(event.currentTarget).get('command')));
        }}
      >
        <label>
          Command
          <input name="command" required placeholder="node -e 'console.log(1)'" className="wide" />
        </label>
        <button type="submit" className="primary" disabled={run.isPending}>
          Run
        </button>
      </form>
      <ProblemMessage error={run.error} />
      {instance && <RunOutput app={app} instance={instance} key={instance} />}
    </section>
  );
}

function RunOutput({ app, instance }: { app: AppRef; instance: string }) {
  const [lines, setLines] = useState<string[]>([]);
  const [ended, setEnded] = useState<Instance | null>(null);
  const state = useEventStream(appStreamUrl(app, 'logs', { instance, num: '1000' }), {
    line: (data) => setLines((previous) => [...previous, (JSON.parse(data) as { line: string }).line]),
    end: (data, stop) => {
      stop();
      setEnded(JSON.parse(data) as Instance);
    },
  });
  return (
    <div>
      <pre className="output" aria-label="Output" tabIndex={0}>
        {lines.join('\n')}
      </pre>
      <p className="meta" aria-live="polite">
        {ended
          ? `Exited${ended.exitCode === null ? '' : ` with status ${ended.exitCode}`}${ended.reason ? ` (${ended.reason})` : ''}`
          : state === 'closed'
            ? ''
            : 'Running…'}
      </p>
    </div>
  );
}
