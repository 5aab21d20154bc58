import type { Command } from 'commander';
import type { components } from '@nimbus/contracts';
import { ApiSession, checkApiUrl } from '../api';
import { defineCommand, type CliContext, type JsonOption } from '../context';
import { CliError } from '../errors';
import { emit, print, printPairs } from '../output';

type Whoami = components['schemas']['WhoamiDto_Output'];

interface LoginOptions extends JsonOption {
  api?: string;
  token?: string;
  email?: string;
  password?: string;
}

export function registerAuthCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'login', 'log in to a Nimbus API and store the credentials')
    .option(
      '--api <url>',
      'the API URL, such as http://127.0.0.1:8080 (default: NIMBUS_API or the last one used)',
    )
    .option('--token <token>', 'an API token to store (checked with the API first)')
    .option('--email <email>', 'log in with an email address and password')
    .option('--password <password>', 'the password that goes with --email')
    .action(async (options: LoginOptions) => {
      const apiOption = options.api ?? context.store.api();
      if (!apiOption) throw new CliError('name the API with --api URL');
      const api = checkApiUrl(apiOption);
      const token = await obtainToken(api, options);
      const whoami = await new ApiSession(api, token, false).call((client) => client.GET('/v1/whoami'));
      context.store.update((stored) => ({
        api,
        token,
        // A target names a namespace of one API; it means nothing on another.
        ...(stored.target && stored.api === api ? { target: stored.target } : {}),
      }));
      emit(options.json, whoami, () => print(`Logged in to ${api} as ${whoami.user.email}`));
    });

  defineCommand(program, 'whoami', 'show who the stored credentials belong to').action(
    async (options: JsonOption) => {
      const whoami = await context.session().call((client) => client.GET('/v1/whoami'));
      emit(options.json, whoami, () => printWhoami(whoami, context));
    },
  );
}

async function obtainToken(api: string, options: LoginOptions): Promise<string> {
  const withPassword = options.email !== undefined || options.password !== undefined;
  if (options.token !== undefined && withPassword)
    throw new CliError('use either --token or --email and --password, not both');
  if (options.token !== undefined) return options.token;
  if (options.email === undefined || options.password === undefined) {
    throw new CliError('give --token TOKEN, or --email EMAIL and --password PASSWORD');
  }
  const body = { email: options.email, password: options.password };
  const session = await new ApiSession(api, undefined, false).call((client) =>
    client.POST('/v1/auth/login', { body }),
  );
  return session.token;
}

function printWhoami(whoami: Whoami, context: CliContext): void {
  const { token } = whoami;
  const limit = token.tenant ? [token.tenant, token.namespace].filter(Boolean).join('/') : 'all your tenants';
  const target = context.store.target();
  printPairs([
    ['Email', whoami.user.email],
    ['Token', `${token.kind} ${token.prefix}… for ${limit}${token.role ? ` as ${token.role}` : ''}`],
    [
      'Tenants',
      whoami.memberships.map((membership) => `${membership.tenant} (${membership.role})`).join(', ') || '-',
    ],
    ['Target', target ? `${target.tenant}/${target.namespace}` : '-'],
  ]);
}
