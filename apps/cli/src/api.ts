import { createNimbusClient, problemOf, type NimbusClient } from '@nimbus/contracts';
import { CliError } from './errors';

/** What every openapi-fetch operation resolves to: data on success, error otherwise. */
interface Outcome {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** The success body of an operation; every Nimbus operation answers success with a body. */
type Data<R extends Outcome> = Exclude<R['data'], undefined>;

/** A client of one Nimbus API that turns every failure into a one-line CliError. */
export class ApiSession {
  private readonly client: NimbusClient;

  constructor(
    readonly baseUrl: string,
    token?: string,
    /** Whether a 401 means the stored credentials went stale (rather than a bad login attempt). */
    private readonly storedCredentials = true,
  ) {
    this.client = createNimbusClient(baseUrl, token);
  }

  async call<R extends Outcome>(operation: (client: NimbusClient) => Promise<R>): Promise<Data<R>> {
    let outcome: R;
    try {
      outcome = await operation(this.client);
    } catch (error) {
      throw new CliError(describeTransportFailure(this.baseUrl, error));
    }
    if (!outcome.response.ok) {
      const problem = problemOf(outcome.error, outcome.response.status);
      const hint =
        outcome.response.status === 401 && this.storedCredentials ? ': run `nimbus login` again' : '';
      throw new CliError(`${problem.detail}${hint}`, problem.code);
    }
    return outcome.data as Data<R>;
  }
}

/** Node's fetch reports every network failure as `TypeError: fetch failed` with the reason as cause. */
function describeTransportFailure(baseUrl: string, error: unknown): string {
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = error.cause as { code?: string; message?: string } | undefined;
    const reason = cause?.code ?? cause?.message;
    return `the Nimbus API cannot be reached at ${baseUrl}${reason ? ` (${reason})` : ''}`;
  }
  if (error instanceof SyntaxError) return `${baseUrl} did not answer like a Nimbus API (${error.message})`;
  return `request to ${baseUrl} failed: ${error instanceof Error ? error.message : String(error)}`;
}

/** Refuses anything but an absolute http(s) URL before it is stored or used. */
export function checkApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`"${value}" is not a URL: use something like http://127.0.0.1:8080`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`"${value}" is not an http or https URL`);
  }
  return value.replace(/\/+$/, '');
}
