import { connect } from 'node:net';
import type { Probe } from '@nimbus/cluster';

const PROBE_TIMEOUT_MS = 1000;

/**
 * Whether the instance answers on its port: a TCP connect by default, or an HTTP GET of the
 * declared path answering below 400 (Kubernetes' httpGet rule).
 */
export async function probe(spec: Probe, port: number, host = '127.0.0.1'): Promise<boolean> {
  if (spec.type === 'http') {
    try {
      const response = await fetch(`http://${host}:${port}${spec.path}`, {
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        redirect: 'manual',
      });
      await response.body?.cancel();
      return response.status < 400;
    } catch {
      return false;
    }
  }
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
