import type { Command } from 'commander';
import {
  MASK,
  patchConfig,
  readConfig,
  type ConfigKind,
  type ConfigSet,
  type Environment,
} from '../config-vars';
import { appOption, defineCommand, withScopeOptions, type CliContext, type JsonOption } from '../context';
import { parseAssignments, parseKeys } from '../key-values';
import { emit, print, printPairs, printTable } from '../output';
import { describeScope, resolveApp, resolveScope, type ScopeOptions, type ScopeRef } from '../scope';

interface ListOptions extends ScopeOptions, JsonOption {
  reveal?: boolean;
}

interface EnvironmentOptions extends JsonOption {
  app: string;
  reveal?: boolean;
}

const NOUN: Record<ConfigKind, string> = { config: 'config vars', secrets: 'secrets' };

export function registerConfigCommands(program: Command, context: CliContext): void {
  registerVerbs(program, context, 'config');

  defineCommand(
    program,
    'config:env',
    "show an app's effective environment: each key, its value and the scope it comes from",
  )
    .addOption(appOption().makeOptionMandatory())
    .option('--reveal', 'show secret values (admins and owners only)')
    .action(async (options: EnvironmentOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const query = { reveal: options.reveal ? ('true' as const) : ('false' as const) };
      const environment = await context.session().call((client) =>
        client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/environment', {
          params: { path, query },
        }),
      );
      emit(options.json, environment, () =>
        printEnvironment(`${path.tenant}/${path.namespace}/${path.app}`, environment),
      );
    });

  registerVerbs(program, context, 'secrets');
}

/** `config`, `config:set`, `config:unset` and the same three for `secrets`. */
function registerVerbs(program: Command, context: CliContext, kind: ConfigKind): void {
  const noun = NOUN[kind];
  const list = withScopeOptions(
    defineCommand(program, kind, `show the ${noun} set at an app, namespace or tenant`),
  );
  if (kind === 'secrets') list.option('--reveal', 'show secret values (admins and owners only)');
  list.action(async (options: ListOptions) => {
    const scope = resolveScope(options, context.store.target());
    const set = await readConfig(context.session(), scope, kind, options.reveal ?? false);
    emit(options.json, set, () => printConfigSet(scope, kind, set));
  });

  withScopeOptions(defineCommand(program, `${kind}:set <KEY=VALUE...>`, `set ${noun}`)).action(
    async (pairs: string[], options: ScopeOptions & JsonOption) => {
      const values = parseAssignments(pairs);
      const scope = resolveScope(options, context.store.target());
      const set = await patchConfig(context.session(), scope, kind, { set: values });
      emit(options.json, set, () => {
        printChange(scope, kind, 'Set', Object.keys(values), set);
        // Secret values are never echoed back, not even the ones just typed.
        if (kind === 'config') printPairs(Object.entries(values));
      });
    },
  );

  withScopeOptions(defineCommand(program, `${kind}:unset <KEY...>`, `remove ${noun}`)).action(
    async (keys: string[], options: ScopeOptions & JsonOption) => {
      const unset = parseKeys(keys);
      const scope = resolveScope(options, context.store.target());
      const set = await patchConfig(context.session(), scope, kind, { unset });
      emit(options.json, set, () => printChange(scope, kind, 'Unset', unset, set));
    },
  );
}

/** `=== app acme/prod/web config vars` then aligned `KEY: value` lines, as `heroku config` prints them. */
function printConfigSet(scope: ScopeRef, kind: ConfigKind, set: ConfigSet): void {
  if (set.entries.length === 0) return print(`${describeScope(scope)} has no ${NOUN[kind]}.`);
  print(`=== ${describeScope(scope)} ${NOUN[kind]}`);
  printPairs(set.entries.map((entry) => [entry.key, entry.value ?? MASK]));
}

function printChange(
  scope: ScopeRef,
  kind: ConfigKind,
  verb: 'Set' | 'Unset',
  keys: string[],
  set: ConfigSet,
): void {
  print(
    `${verb} ${NOUN[kind]} ${keys.join(', ')} on ${describeScope(scope)} (config version ${set.configVersion})`,
  );
}

function printEnvironment(app: string, environment: Environment): void {
  if (environment.entries.length === 0) return print(`${app} has no config vars or secrets.`);
  printTable(
    ['key', 'value', 'source'],
    environment.entries.map((entry) => [
      entry.key,
      entry.value ?? MASK,
      [
        entry.scope,
        entry.secret ? ' secret' : '',
        entry.overrides.length ? ` (overrides ${entry.overrides.join(', ')})` : '',
      ].join(''),
    ]),
  );
}
