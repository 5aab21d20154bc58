import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@nimbus/logging';
import { createGatewayApp } from './create-app';
import { gatewayConfigSchema } from './gateway.config';
import { buildOpenApiDocument } from './openapi';

/** Writes the OpenAPI document committed in libs/contracts, without connecting to anything. */
async function main(): Promise<void> {
  const config = gatewayConfigSchema.parse({
    DATABASE_URL: 'postgresql://unused/unused',
    REDIS_URL: 'redis://unused',
    NIMBUS_MASTER_KEY: Buffer.alloc(32).toString('base64'),
  });
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const app = await createGatewayApp(config, createLogger({ service: 'openapi', destination: silent }), {
    init: false,
  });
  const target = resolve(__dirname, '../../../libs/contracts/openapi.json');
  await writeFile(target, JSON.stringify(buildOpenApiDocument(app), null, 2) + '\n');
}

main().catch((error: Error) => {
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(1);
});
