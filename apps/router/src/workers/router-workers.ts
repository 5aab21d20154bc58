import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type PrometheusContentType } from 'prom-client';
import { startHealthServer, type HealthServer } from '@nimbus/service';

const QUERY = 'nimbus-router:readyz?';
const ANSWER = 'nimbus-router:readyz';
const ANSWER_TIMEOUT_MS = 1_500;

interface ReadinessQuery {
  type: typeof QUERY;
  id: string;
}
interface ReadinessAnswer {
  type: typeof ANSWER;
  id: string;
  ready: boolean;
  reason?: string;
}

const isQuery = (message: unknown): message is ReadinessQuery =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === QUERY;
const isAnswer = (message: unknown): message is ReadinessAnswer =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === ANSWER;

/** In a worker: answers the supervisor's readiness queries with `check`. */
export function answerReadinessQueries(check: () => Promise<void>): void {
  process.on('message', (message: unknown) => {
    if (!isQuery(message)) return;
    const reply = (ready: boolean, reason?: string) =>
      process.send?.({ type: ANSWER, id: message.id, ready, reason } satisfies ReadinessAnswer);
    check().then(
      () => reply(true),
      (error: Error) => reply(false, error.message),
    );
  });
}

/** Metrics summed over the workers (prom-client asks each over IPC) rather than the supervisor's own. */
class WorkersRegistry extends AggregatorRegistry<PrometheusContentType> {
  override metrics(): Promise<string> {
    return this.clusterMetrics();
  }
}

/**
 * In the supervisor of several workers: the admin port. Workers share the router port through
 * node:cluster, but an admin port served by whichever worker took the connection would show one
 * worker's counters; here /metrics sums them and /readyz is ready when every live worker is.
 */
export function startWorkersAdmin(options: { port: number; host: string }): Promise<HealthServer> {
  const pending = new Map<string, (answer: ReadinessAnswer) => void>();
  cluster.on('message', (_worker, message: unknown) => {
    if (isAnswer(message)) pending.get(message.id)?.(message);
  });
  const ask = (worker: Worker) =>
    new Promise<ReadinessAnswer>((resolve) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve({ type: ANSWER, id, ready: false, reason: 'no answer' });
      }, ANSWER_TIMEOUT_MS);
      pending.set(id, (answer) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(answer);
      });
      worker.send({ type: QUERY, id } satisfies ReadinessQuery);
    });
  const workersReady = async () => {
    const workers = Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker !== undefined && worker.isConnected(),
    );
    if (workers.length === 0) throw new Error('no workers running');
    const answers = await Promise.all(workers.map(ask));
    const notReady = answers.find((answer) => !answer.ready);
    if (notReady) throw new Error(notReady.reason ?? 'a worker is not ready');
  };
  return startHealthServer({
    ...options,
    checks: { workers: workersReady },
    registry: new WorkersRegistry(),
  });
}
