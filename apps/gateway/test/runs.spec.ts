import { tenantScope } from '@nimbus/db';
import { ReleasesService } from '@nimbus/gateway';
import { seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/test-gateway';

const PROCESS_TYPES = { web: 'node server.js', console: 'node repl.js --color' };

describe('one-off runs', () => {
  let gateway: TestGateway;
  let token: string;
  const path = { tenant: 'acme', namespace: 'prod', app: 'web' };

  /** Starts `nimbus run -a web COMMAND` and returns the command its instance was given. */
  async function run(command: string) {
    const created = await gateway
      .client(token)
      .POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/runs', {
        params: { path },
        body: { command },
      });
    expect(created.response.status).toBe(201);
    const instance = await gateway.db.instance.findUniqueOrThrow({
      where: { id: created.data!.instance.id },
    });
    expect(instance).toMatchObject({ kind: 'oneoff', releaseVersion: 1 });
    return instance.command;
  }

  beforeAll(async () => {
    gateway = await startTestGateway();
    const seeded = await seedTenant(gateway, 'acme', { prod: ['web'] });
    token = seeded.ownerToken;
    const app = await gateway.db.app.findFirstOrThrow({ where: { name: 'web' } });
    await gateway.app
      .get(ReleasesService)
      .deploy(
        tenantScope(app.tenantId),
        app.id,
        { digest: `sha256:${'1'.repeat(64)}`, processTypes: PROCESS_TYPES },
        'Deploy 1111111',
        seeded.owner.id,
      );
  });
  afterAll(() => gateway.close());

  it("should run the Procfile's command when the first word is a process type, with the rest appended", async () => {
    expect(await run('console')).toBe('node repl.js --color');
    expect(await run('console --sandbox "two words"')).toBe('node repl.js --color --sandbox "two words"');
    expect(await run('web')).toBe('node server.js');
  });

  it('should run any other command as written', async () => {
    expect(await run('node -e "console.log(1)"')).toBe('node -e "console.log(1)"');
    expect(await run('consoles')).toBe('consoles');
  });
});
