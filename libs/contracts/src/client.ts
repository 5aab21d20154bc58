import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './generated/api';

export type NimbusClient = Client<paths>;
export type Problem = components['schemas']['Problem'];

/** A typed client of the Nimbus API, generated from the committed OpenAPI document. */
export function createNimbusClient(baseUrl: string, token?: string): NimbusClient {
  return createClient<paths>({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

/** Reads a problem document out of whatever an operation returned as its error. */
export function problemOf(error: unknown, status: number): Problem {
  if (typeof error === 'object' && error !== null && 'detail' in error && 'code' in error)
    return error as Problem;
  return {
    type: 'about:blank',
    title: 'Error',
    status,
    detail: `the API answered ${status}`,
    code: 'http/unknown',
  };
}
