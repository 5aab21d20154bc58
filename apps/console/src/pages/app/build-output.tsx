import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useEventStream } from '../../api/event-stream';
import { appStreamUrl, type AppRef } from '../../api/paths';

/** A build's output, streamed live while it runs (the stream replays what came before). */
export function BuildOutput({ app, build }: { app: AppRef; build: string }) {
  const [lines, setLines] = useState<string[]>([]);
  const queries = useQueryClient();
  const state = useEventStream(appStreamUrl(app, `builds/${build}/output`), {
    line: (data) => setLines((previous) => [...previous, JSON.parse(data) as string]),
    end: (_data, stop) => {
      stop();
      void queries.invalidateQueries({ queryKey: ['builds', app] });
      void queries.invalidateQueries({ queryKey: ['releases', app] });
    },
  });
  return (
    <div>
      <pre className="output" aria-label="Build output" aria-busy={state !== 'closed'} tabIndex={0}>
        {lines.join('\n')}
      </pre>
      {state !== 'closed' && <p className="meta">Following the build…</p>}
    </div>
  );
}
