import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConfigError, loadConfig } from '@nimbus/config';
import {
  MasterKeyring,
  generateApiToken,
  hashApiToken,
  hashPassword,
  tokenDisplayPrefix,
} from '@nimbus/crypto';
import { ApiTokenRepository, createPrismaClient, type DbClient } from '@nimbus/db';
import { gatewayConfigSchema } from '../gateway.config';
import { rotateMasterKey } from './rotate-master-key';

const BOOTSTRAP_TOKEN_DAYS = 30;

const bootstrapSchema = gatewayConfigSchema.pick({ DATABASE_URL: true }).extend({
  NIMBUS_BOOTSTRAP_EMAIL: z.email().default('admin@nimbus.local'),
});
const rotateSchema = gatewayConfigSchema.pick({
  DATABASE_URL: true,
  NIMBUS_MASTER_KEY: true,
  NIMBUS_MASTER_KEY_PREVIOUS: true,
});

/**
 * Ensures a platform administrator exists and issues them a fresh API token. A new admin gets a
 * random password, printed once; an existing one keeps theirs. Prints JSON on stdout.
 */
async function bootstrap(db: DbClient): Promise<void> {
  const { NIMBUS_BOOTSTRAP_EMAIL: email } = loadConfig(bootstrapSchema);
  let password: string | null = null;
  let user = await db.user.findUnique({ where: { email } });
  if (!user) {
    password = randomBytes(18).toString('base64url');
    user = await db.user.create({
      data: { email, passwordHash: await hashPassword(password), isPlatformAdmin: true },
    });
  }
  const token = generateApiToken();
  await new ApiTokenRepository(db).create(null, {
    userId: user.id,
    name: 'bootstrap',
    kind: 'api',
    tokenHash: hashApiToken(token),
    prefix: tokenDisplayPrefix(token),
    expiresAt: new Date(Date.now() + BOOTSTRAP_TOKEN_DAYS * 86_400_000),
  });
  process.stdout.write(JSON.stringify({ email, password, token }) + '\n');
}

async function rotate(db: DbClient): Promise<void> {
  const config = loadConfig(rotateSchema);
  const keyring = new MasterKeyring(config.NIMBUS_MASTER_KEY, config.NIMBUS_MASTER_KEY_PREVIOUS);
  const result = await rotateMasterKey(db, keyring);
  process.stdout.write(
    `rewrapped ${result.rewrapped} tenant data key(s); ${result.current} tenant(s) are under master key ${keyring.currentKeyId}\n`,
  );
}

const COMMANDS: Record<string, (db: DbClient) => Promise<void>> = { bootstrap, 'rotate-master-key': rotate };

/** Operator commands: `node apps/gateway/dist/admin/admin.cli.js bootstrap|rotate-master-key`. */
async function main(): Promise<void> {
  const command = COMMANDS[process.argv[2] ?? ''];
  if (!command) throw new Error(`usage: admin.cli.js ${Object.keys(COMMANDS).join('|')}`);
  const { DATABASE_URL } = loadConfig(gatewayConfigSchema.pick({ DATABASE_URL: true }));
  const db = createPrismaClient(DATABASE_URL, { poolSize: 2 });
  try {
    await command(db);
  } finally {
    await db.$disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `error: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
