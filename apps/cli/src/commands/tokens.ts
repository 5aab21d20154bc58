import { InvalidArgumentError, Option, type Command } from 'commander';
import { ROLES, type Role } from '@nimbus/domain';
import type { components } from '@nimbus/contracts';
import { defineCommand, type CliContext, type JsonOption } from '../context';
import { emit, formatDate, print, printTable } from '../output';

type Token = components['schemas']['TokenListDto_Output'][number];

interface CreateTokenOptions extends JsonOption {
  name: string;
  role?: Role;
  tenant?: string;
  namespace?: string;
  expires: string;
}

function lifetime(value: string): string {
  if (!/^\d+[hd]$/.test(value))
    throw new InvalidArgumentError('must be a number of hours or days, such as 12h or 30d');
  return value;
}

export function registerTokenCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'tokens', 'list your API and session tokens').action(async (options: JsonOption) => {
    const tokens = await context.session().call((client) => client.GET('/v1/tokens'));
    emit(options.json, tokens, () => {
      if (tokens.length === 0) return print('You have no tokens.');
      printTable(
        ['id', 'name', 'kind', 'prefix', 'scope', 'role', 'expires', 'status'],
        tokens.map((token) => [
          token.id,
          token.name,
          token.kind,
          token.prefix,
          scopeOf(token.tenant, token.namespace),
          token.role,
          formatDate(token.expiresAt),
          status(token),
        ]),
      );
    });
  });

  defineCommand(program, 'tokens:create', 'create an API token, for CI or for git pushes')
    .option('--name <name>', 'what the token is for, shown in lists', 'cli')
    .addOption(new Option('--role <role>', 'cap what the token may do (needs --tenant)').choices(ROLES))
    .option('--tenant <tenant>', 'limit the token to one tenant')
    .option('--namespace <namespace>', 'limit the token to one namespace of --tenant')
    .addOption(
      new Option('--expires <lifetime>', 'lifetime such as 12h or 30d, at most 365d')
        .argParser(lifetime)
        .default('90d'),
    )
    .action(async (options: CreateTokenOptions) => {
      const body = {
        name: options.name,
        expiresIn: options.expires,
        ...(options.role ? { role: options.role } : {}),
        ...(options.tenant ? { tenant: options.tenant } : {}),
        ...(options.namespace ? { namespace: options.namespace } : {}),
      };
      const created = await context.session().call((client) => client.POST('/v1/tokens', { body }));
      emit(options.json, created, () => {
        const scope = scopeOf(options.tenant ?? null, options.namespace ?? null);
        print(
          `Created token ${created.name} (${created.id}) for ${scope}, expiring ${formatDate(created.expiresAt)}.`,
        );
        print('Copy it now; it is not shown again:');
        print(created.token);
      });
    });

  defineCommand(program, 'tokens:revoke <id>', 'revoke a token; it stops working at once').action(
    async (id: string, options: JsonOption) => {
      const token = await context
        .session()
        .call((client) => client.DELETE('/v1/tokens/{id}', { params: { path: { id } } }));
      emit(options.json, token, () => print(`Revoked token ${token.name} (${token.id})`));
    },
  );
}

function scopeOf(tenant: string | null, namespace: string | null): string {
  if (!tenant) return 'all tenants';
  return namespace ? `${tenant}/${namespace}` : tenant;
}

function status(token: Token): string {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && new Date(token.expiresAt).getTime() <= Date.now()) return 'expired';
  return 'active';
}
