import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Schemas } from '../../api/client';
import { useEventStream } from '../../api/event-stream';
import { appStreamUrl, type AppRef } from '../../api/paths';
import { usePs } from '../app-status';

type LogLine = Schemas['LogLinesDto'][number] & { key: number };

/** What the console keeps of a live tail; older lines are in `nimbus logs`. */
const KEPT_LINES = 1000;
/** Lines arriving in between are shown together: a fast app costs a few renders a second, not one per line. */
const FLUSH_EVERY_MS = 200;

export function LogsTab({ app }: { app: AppRef }) {
  const ps = usePs(app);
  const [type, setType] = useState('');
  const [paused, setPaused] = useState(false);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [held, setHeld] = useState(0);
  const [received, setReceived] = useState(0);
  const incoming = useRef<LogLine[]>([]);
  const counter = useRef(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const view = useRef<HTMLDivElement>(null);
  const stuckToBottom = useRef(true);

  const url = appStreamUrl(app, 'logs', { type: type || undefined, num: '100' });
  useEffect(() => {
    incoming.current = [];
    setLines([]);
    setHeld(0);
  }, [url]);
  const state = useEventStream(url, {
    line: (data) => {
      const parsed = JSON.parse(data) as Schemas['LogLinesDto'][number];
      incoming.current.push({ ...parsed, key: counter.current++ });
    },
  });

  useEffect(() => {
    const timer = setInterval(() => {
      if (incoming.current.length === 0) return;
      setReceived(counter.current);
      if (pausedRef.current) {
        setHeld(incoming.current.length);
        return;
      }
      const arrived = incoming.current.splice(0);
      setHeld(0);
      setLines((previous) => [...previous, ...arrived].slice(-KEPT_LINES));
    }, FLUSH_EVERY_MS);
    return () => clearInterval(timer);
  }, []);

  useLayoutEffect(() => {
    const element = view.current;
    if (element && stuckToBottom.current) element.scrollTop = element.scrollHeight;
  }, [lines]);

  return (
    <section aria-labelledby="logs-heading">
      <h2 id="logs-heading">Live logs</h2>
      <div className="toolbar">
        <label>
          Process type
          <select value={type} onChange={(event) => setType(event.target.value)}>
            <option value="">All</option>
            {ps.data?.formation.map((entry) => (
              <option key={entry.type} value={entry.type}>
                {entry.type}
              </option>
            ))}
          </select>
        </label>
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <span className="meta" aria-live="polite">
          {state === 'open' ? (paused ? `Paused, ${held} new lines held` : 'Streaming') : 'Connecting…'}
        </span>
      </div>
      <div
        ref={view}
        className="log-view"
        role="log"
        aria-live="off"
        aria-label="Log lines"
        data-lines-received={received}
        tabIndex={0}
        onScroll={(event) => {
          const element = event.currentTarget;
          stuckToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
        }}
      >
        {lines.length === 0 && <p className="meta">No log lines yet.</p>}
        {lines.map((line) => (
          <div key={line.key} className={`log-line ${line.stream}`}>
            <span className="log-meta">
              {line.at.slice(11, 23)} {line.type}.{line.instance.slice(0, 8)}
            </span>{' '}
            {line.line}
          </div>
        ))}
      </div>
    </section>
  );
}
