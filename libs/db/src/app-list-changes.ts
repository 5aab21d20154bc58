import { Client } from 'pg';

/** The channel the app list's triggers announce on (migration 20261203210000_app_list_changes). */
const CHANNEL = 'nimbus_app_list';
const RECONNECT_MS = 1000;

export interface AppListChangeListener {
  /** Something a tenant's app lists show changed, and is committed. */
  changed(tenantId: string): void;
  /** Changes are heard from now on (again): whatever was remembered before may be stale. */
  listening(): void;
  /** Changes are no longer heard: nothing remembered can be trusted until `listening`. */
  deaf(): void;
}

/**
 * PostgreSQL's announcements of changes to what app lists show, on a connection of its own
 * (`LISTEN` holds it), reconnecting after any loss. A change committed after `listening` is
 * always announced; one committed before it is covered by the caller forgetting everything then.
 */
export class AppListChanges {
  private client: Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly listener: AppListChangeListener,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    this.listener.deaf();
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    // Bounded, so a connect or LISTEN that stalls is retried instead of leaving the lists unkept.
    const client = new Client({
      connectionString: this.databaseUrl,
      connectionTimeoutMillis: 5000,
      query_timeout: 5000,
      keepAlive: true,
    });
    this.client = client;
    let lost = false;
    const lose = (error?: unknown) => {
      if (lost) return;
      lost = true;
      if (error !== undefined) this.onError(error);
      this.listener.deaf();
      void client.end().catch(() => undefined);
      if (this.client === client) this.client = null;
      if (!this.stopped) this.timer = setTimeout(() => void this.connect(), RECONNECT_MS).unref();
    };
    client.on('error', lose);
    client.on('end', () => lose());
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) this.listener.changed(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (!lost && !this.stopped) this.listener.listening();
    } catch (error) {
      lose(error);
    }
  }
}
