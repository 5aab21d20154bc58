import { Command, Option } from 'commander';
import { ApiSession } from './api';
import type { ConfigStore } from './config-store';

/** What every command needs: the stored state and a way to reach the API with it. */
export class CliContext {
  constructor(readonly store: ConfigStore) {}

  /** An API session with the stored (or environment) credentials; fails when not logged in. */
  session(): ApiSession {
    const { api, token } = this.store.credentials();
    return new ApiSession(api, token);
  }
}

export interface JsonOption {
  json?: boolean;
}

/** A sub-command with the `--json` flag every command carries. */
export function defineCommand(program: Command, usage: string, description: string): Command {
  return program.command(usage).description(description).option('--json', 'print the API response as JSON');
}

export const appOption = () =>
  new Option('-a, --app <app>', 'the app: APP in the current target, or TENANT/NAMESPACE/APP');

/** `-a`, `--tenant` and `--namespace`: the three scopes config vars and secrets live at. */
export function withScopeOptions(command: Command): Command {
  return command
    .addOption(appOption())
    .option('--tenant <tenant>', 'the tenant scope')
    .option(
      '--namespace <tenant/namespace>',
      'the namespace scope: TENANT/NAMESPACE, or NAMESPACE in the target tenant',
    );
}
