import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './errors';

/** The namespace that relative `-a APP` references resolve in. */
export interface Target {
  tenant: string;
  namespace: string;
}

/** What `$NIMBUS_CONFIG` holds. */
export interface StoredConfig {
  api?: string;
  token?: string;
  target?: Target;
}

export interface Credentials {
  api: string;
  token: string;
}

const NOT_LOGGED_IN = 'not logged in: run `nimbus login --api URL --email EMAIL --password PASSWORD`';

/**
 * The CLI's state on disk, and the environment variables that override it. This is the only
 * module that reads `process.env`.
 */
export class ConfigStore {
  constructor(
    readonly path: string,
    private readonly overrides: { api?: string; token?: string } = {},
  ) {}

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): ConfigStore {
    const nonEmpty = (value: string | undefined) => (value ? value : undefined);
    return new ConfigStore(
      nonEmpty(env['NIMBUS_CONFIG']) ?? join(homedir(), '.config', 'nimbus', 'config.json'),
      {
        api: nonEmpty(env['NIMBUS_API']),
        token: nonEmpty(env['NIMBUS_TOKEN']),
      },
    );
  }

  read(): StoredConfig {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new CliError(`cannot read ${this.path}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError(`${this.path} is not valid JSON: fix it or delete it and log in again`);
    }
    return sanitize(parsed);
  }

  /**
   * Writes a new file beside the old one and renames it over, so a crash never leaves half a
   * file, and a file created with mode 0600 never exposes the token, whatever the old mode was.
   */
  write(config: StoredConfig): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.path);
  }

  update(change: (config: StoredConfig) => StoredConfig): StoredConfig {
    const next = change(this.read());
    this.write(next);
    return next;
  }

  /** The API URL to use: `NIMBUS_API`, else the one stored at login. */
  api(): string | undefined {
    return this.overrides.api ?? this.read().api;
  }

  credentials(): Credentials {
    const stored = this.overrides.api && this.overrides.token ? {} : this.read();
    const api = this.overrides.api ?? stored.api;
    const token = this.overrides.token ?? stored.token;
    if (!api || !token) throw new CliError(NOT_LOGGED_IN);
    return { api, token };
  }

  target(): Target | undefined {
    return this.read().target;
  }
}

/** Keeps the fields that have the right shape; a hand-edited file should not crash the CLI. */
function sanitize(value: unknown): StoredConfig {
  if (typeof value !== 'object' || value === null) return {};
  const record = value as Record<string, unknown>;
  const config: StoredConfig = {};
  if (typeof record['api'] === 'string') config.api = record['api'];
  if (typeof record['token'] === 'string') config.token = record['token'];
  const target = record['target'] as Record<string, unknown> | undefined;
  if (target && typeof target['tenant'] === 'string' && typeof target['namespace'] === 'string') {
    config.target = { tenant: target['tenant'], namespace: target['namespace'] };
  }
  return config;
}
