import { useEffect, useRef, useState } from 'react';

export type StreamState = 'connecting' | 'open' | 'closed';

/**
 * Follows a server-sent event stream of the API while `url` is set. EventSource sends the
 * session cookie and reconnects by itself with Last-Event-ID, so a dropped stream resumes where
 * it was; `stop` (an `end` event, say) closes it for good.
 */
export function useEventStream(
  url: string | null,
  listeners: Record<string, (data: string, stop: () => void) => void>,
): StreamState {
  const current = useRef(listeners);
  current.current = listeners;
  const [state, setState] = useState<StreamState>('closed');

  useEffect(() => {
    if (!url) return;
    const source = new EventSource(url);
    setState('connecting');
    const stop = () => {
      source.close();
      setState('closed');
    };
    source.onopen = () => setState('open');
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
    const names = Object.keys(current.current);
    const handlers = names.map((name) => {
      const handler = (event: MessageEvent<string>) => current.current[name]?.(event.data, stop);
      source.addEventListener(name, handler);
      return handler;
    });
    return () => {
      names.forEach((name, index) => source.removeEventListener(name, handlers[index]!));
      source.close();
    };
  }, [url]);
  return state;
}
