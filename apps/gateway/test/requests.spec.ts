import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createApiToken, createUser } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/test-gateway';

interface ProblemBody {
  status: number;
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

describe('request handling', () => {
  let gateway: TestGateway;
  let token: string;

  async function send(
    method: string,
    path: string,
    body: string | undefined,
    contentType = 'application/json',
  ) {
    const response = await fetch(gateway.url + path, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'Content-Type': contentType } : {}),
      },
      body,
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      headers: response.headers,
      body: (await response.json()) as ProblemBody,
    };
  }

  const tenantNames = async () => (await gateway.db.tenant.findMany()).map((t) => t.name).sort();

  beforeAll(async () => {
    gateway = await startTestGateway({ NIMBUS_BODY_LIMIT: '16kb' });
    const user = await createUser(gateway.db);
    token = (await createApiToken(gateway.db, user.id)).token;
    await send('POST', '/v1/tenants', JSON.stringify({ name: 'acme' }));
  });
  afterAll(() => gateway.close());

  it('should reject malformed JSON with problem+json', async () => {
    const result = await send('POST', '/v1/tenants', '{"name": "oops"');
    expect(result.status).toBe(400);
    expect(result.type).toMatch(/^application\/problem\+json/);
    expect(result.body).toMatchObject({
      code: 'request/malformed_json',
      detail: 'the request body is not valid JSON',
    });
    expect(await tenantNames()).toEqual(['acme']);
  });

  it('should reject an oversized body with 413', async () => {
    const result = await send(
      'POST',
      '/v1/tenants',
      JSON.stringify({ name: 'big', padding: 'x'.repeat(20_000) }),
    );
    expect(result.status).toBe(413);
    expect(result.type).toMatch(/^application\/problem\+json/);
    expect(result.body.code).toBe('request/too_large');
    expect(await tenantNames()).toEqual(['acme']);
  });

  it('should reject unknown fields, naming them', async () => {
    const result = await send('POST', '/v1/tenants', JSON.stringify({ name: 'globex', plan: 'gold' }));
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([{ field: 'body', message: 'unknown field(s): plan' }]);
    expect(await tenantNames()).toEqual(['acme']);
  });

  it('should name each invalid field', async () => {
    const result = await send(
      'POST',
      '/v1/tenants/acme/namespaces',
      JSON.stringify({ name: 'Prod!', maxInstances: -1 }),
    );
    expect(result.status).toBe(400);
    expect(result.body.errors?.map((e) => e.field)).toEqual(['body.name', 'body.maxInstances']);
    expect(result.body.detail).toMatch(/^the request is invalid: body\.name must be 1-30 characters/);
  });

  it('should validate config keys and refuse reserved ones', async () => {
    await send('POST', '/v1/tenants/acme/namespaces', JSON.stringify({ name: 'prod' }));
    const result = await send(
      'PATCH',
      '/v1/tenants/acme/namespaces/prod/config',
      JSON.stringify({ set: { PORT: '80', 'a-b': 'x' } }),
    );
    expect(result.status).toBe(400);
    expect(result.body.errors?.map((e) => e.field).sort()).toEqual(['body.set.PORT', 'body.set.a-b']);
    const empty = await send('PATCH', '/v1/tenants/acme/namespaces/prod/config', JSON.stringify({}));
    expect(empty.status).toBe(400);
    const config = await send('GET', '/v1/tenants/acme/namespaces/prod/config', undefined);
    expect(config.body).toMatchObject({ configVersion: 0, entries: [] });
  });

  it('should refuse bodies that are not JSON with 415', async () => {
    const result = await send('POST', '/v1/tenants', 'name=globex', 'application/x-www-form-urlencoded');
    expect(result.status).toBe(415);
    expect(result.body.code).toBe('request/unsupported_media_type');
  });

  it('should answer unknown routes with problem+json 404', async () => {
    const result = await send('GET', '/v1/nothing-here', undefined);
    expect(result.status).toBe(404);
    expect(result.body.code).toBe('route/not_found');
  });

  it('should serve health, readiness and Prometheus metrics without credentials', async () => {
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/nimbus_http_requests_total\{method="POST",route="\/v1\/tenants",status="201"/);
  });

  it('should serve the committed OpenAPI document', async () => {
    const served = (await (await fetch(`${gateway.url}/v1/openapi.json`)).json()) as {
      openapi: string;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const committed = JSON.parse(
      readFileSync(resolve(__dirname, '../../../libs/contracts/openapi.json'), 'utf8'),
    );
    expect(served).toEqual(committed);
    expect(served.openapi).toBe('3.1.0');
    // zod >= 4.5 writes nullable strings as type: [string, null], which Swagger misreads as an array.
    expect(served.components.schemas.TokenDto_Output?.properties.tenant).toEqual({
      anyOf: [{ type: 'string' }, { type: 'null' }],
    });
  });

  it('should echo a sane X-Request-Id and record it in the audit log', async () => {
    const response = await fetch(`${gateway.url}/v1/tenants/acme/namespaces`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        'X-Request-Id': 'trace-123',
      },
      body: JSON.stringify({ name: 'staging' }),
    });
    expect(response.headers.get('x-request-id')).toBe('trace-123');
    const entry = await gateway.db.auditEntry.findFirstOrThrow({
      where: { action: 'namespace.create', targetName: 'staging' },
    });
    expect(entry.requestId).toBe('trace-123');
  });
});

describe('rate limiting', () => {
  let gateway: TestGateway;
  afterAll(() => gateway.close());

  it('should answer 429 with Retry-After once a token spends its budget, per token', async () => {
    gateway = await startTestGateway({ NIMBUS_RATE_LIMIT_PER_MINUTE: '5' });
    const user = await createUser(gateway.db);
    const first = (await createApiToken(gateway.db, user.id)).token;
    const second = (await createApiToken(gateway.db, user.id)).token;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await fetch(`${gateway.url}/v1/whoami`, { headers: { Authorization: `Bearer ${first}` } })).status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await fetch(`${gateway.url}/v1/whoami`, {
      headers: { Authorization: `Bearer ${first}` },
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as ProblemBody).code).toBe('rate_limit/exceeded');
    expect(
      (await fetch(`${gateway.url}/v1/whoami`, { headers: { Authorization: `Bearer ${second}` } })).status,
    ).toBe(200);
  });
});
