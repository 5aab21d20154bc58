import { EventSourceParserStream } from 'eventsource-parser/stream';
import type {
  Assignment,
  AssignmentEvent,
  AssignmentList,
  InstanceMetricsBatch,
  InstanceStatus,
  LeaseRenewal,
  LogEntry,
  NodeRegistration,
  RegisteredNode,
} from '@nimbus/cluster';

/** A refusal or failure of the control plane, with what it said. */
export class ControlPlaneError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The agent's client for its API at the gateway (libs/cluster/agent-protocol.ts). */
export class ControlPlane {
  private token: string | null = null;

  constructor(private readonly baseUrl: string) {}

  useCredential(token: string): void {
    this.token = token;
  }

  register(joinToken: string, registration: NodeRegistration): Promise<RegisteredNode> {
    return this.call('POST', '/v1/agent/register', registration, joinToken);
  }

  renewLease(renewal?: LeaseRenewal): Promise<{ leaseDurationMs: number }> {
    return this.call('PUT', '/v1/agent/lease', renewal);
  }

  list(): Promise<AssignmentList> {
    return this.call('GET', '/v1/agent/assignments');
  }

  async reportStatus(instanceId: string, status: InstanceStatus): Promise<void> {
    await this.call('PUT', `/v1/agent/instances/${instanceId}/status`, status);
  }

  async shipLogs(entries: LogEntry[]): Promise<void> {
    await this.call('POST', '/v1/agent/logs', { entries });
  }

  async shipMetrics(batch: InstanceMetricsBatch): Promise<void> {
    await this.call('POST', '/v1/agent/metrics', batch);
  }

  /** Changes after `resourceVersion`, until the stream ends or `signal` aborts. */
  async *watch(resourceVersion: string, signal: AbortSignal): AsyncGenerator<AssignmentEvent> {
    const response = await fetch(
      `${this.baseUrl}/v1/agent/assignments?watch=true&resourceVersion=${resourceVersion}`,
      {
        headers: { authorization: `Bearer ${this.token ?? ''}`, accept: 'text/event-stream' },
        signal,
      },
    );
    if (!response.ok || !response.body) throw await this.failure(response);
    const events = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream());
    for await (const event of events) {
      if (event.event === 'REMOVED')
        yield { type: 'REMOVED', instanceId: (JSON.parse(event.data) as { instanceId: string }).instanceId };
      else if (event.event === 'ADDED' || event.event === 'MODIFIED')
        yield { type: event.event, assignment: JSON.parse(event.data) as Assignment };
    }
  }

  private async call<T>(method: string, path: string, body?: unknown, bearer = this.token): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer ?? ''}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) throw await this.failure(response);
    return (await response.json()) as T;
  }

  private async failure(response: Response): Promise<ControlPlaneError> {
    const text = await response.text().catch(() => '');
    let detail = text;
    try {
      detail = (JSON.parse(text) as { detail?: string }).detail ?? text;
    } catch {
      // not problem+json: keep the text
    }
    return new ControlPlaneError(response.status, `${response.status}: ${detail}`.trim());
  }
}
