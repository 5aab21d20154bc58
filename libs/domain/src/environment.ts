export const CONFIG_SCOPES = ['tenant', 'namespace', 'app'] as const;
export type ConfigScope = (typeof CONFIG_SCOPES)[number];

export interface ScopedEntry<V> {
  key: string;
  scope: ConfigScope;
  secret: boolean;
  value: V;
}

export interface EffectiveEntry<V> extends ScopedEntry<V> {
  /** Scopes whose value for the same key this one hides, nearest first. */
  overrides: ConfigScope[];
}

const PRECEDENCE: Record<ConfigScope, number> = { tenant: 0, namespace: 1, app: 2 };

/**
 * The environment an app runs with: tenant < namespace < app, the nearer scope winning per key.
 * Entries come back sorted by key, each saying where its value comes from.
 */
export function mergeEnvironment<V>(entries: readonly ScopedEntry<V>[]): EffectiveEntry<V>[] {
  const byKey = new Map<string, ScopedEntry<V>[]>();
  for (const entry of entries) byKey.set(entry.key, [...(byKey.get(entry.key) ?? []), entry]);
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, candidates]) => {
      const [winner, ...hidden] = [...candidates].sort((a, b) => PRECEDENCE[b.scope] - PRECEDENCE[a.scope]);
      return { ...(winner as ScopedEntry<V>), overrides: hidden.map((entry) => entry.scope) };
    });
}
