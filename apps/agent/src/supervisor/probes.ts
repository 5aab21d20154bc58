import { connect } from 'node:net';
import type { HttpCheck } from '@nimbus/domain';

/** How long a TCP connect may take. */
const TCP_TIMEOUT_MS = 1000;
/** Bodies are read this far when a check looks for content in them. */
const MAX_BODY_BYTES = 64 * 1024;

/** What one probe saw: passed, or why not, in words for `ps` and the push. */
export type ProbeResult = { ok: true } | { ok: false; failure: string };

const PASSED: ProbeResult = { ok: true };

/** Whether something accepts a connection on the instance's port. */
export function probeTcp(port: number, host = '127.0.0.1'): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const finish = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(TCP_TIMEOUT_MS, () =>
      finish({ ok: false, failure: 'nothing answered on $PORT in time' }),
    );
    socket.once('connect', () => finish(PASSED));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish({ ok: false, failure: `nothing answers on $PORT (${error.code ?? error.message})` }),
    );
  });
}

/**
 * An HTTP GET of the check's path: passes when it answers below 400 (Kubernetes' httpGet rule;
 * redirects are not followed) within the check's timeout, with the check's content in its body
 * if it names one (Dokku's `content`).
 */
export async function probeHttp(check: HttpCheck, port: number, host = '127.0.0.1'): Promise<ProbeResult> {
  const what = `health check ${check.path}`;
  const signal = AbortSignal.timeout(check.timeout * 1000);
  try {
    const response = await fetch(`http://${host}:${port}${check.path}`, { signal, redirect: 'manual' });
    if (response.status >= 400) {
      await response.body?.cancel();
      return { ok: false, failure: `${what} answered ${response.status}` };
    }
    if (check.content === undefined) {
      await response.body?.cancel();
      return PASSED;
    }
    const body = await readBody(response);
    return body.includes(check.content)
      ? PASSED
      : {
          ok: false,
          failure: `${what} answered ${response.status} but did not contain ${JSON.stringify(check.content)}`,
        };
  } catch (error) {
    if (signal.aborted) return { ok: false, failure: `${what} timed out after ${check.timeout}s` };
    const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    return {
      ok: false,
      failure: `${what} could not connect${code === 'ECONNREFUSED' ? ': nothing listens on $PORT' : ` (${code ?? (error as Error).message})`}`,
    };
  }
}

/** The body's first {@link MAX_BODY_BYTES}, as text: enough to look for a marker. */
async function readBody(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_BODY_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).toString('utf8');
}
