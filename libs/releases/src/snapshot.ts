import type { ConfigEntry } from '@nimbus/db';
import { mergeEnvironment, type ConfigScope } from '@nimbus/domain';

/** One config entry as a release captured it: every scope, so rollback can restore the app's own. */
export interface SnapshotEntry {
  key: string;
  scope: ConfigScope;
  kind: 'var' | 'secret';
  value: string;
}

export type OpenEntry = (entry: ConfigEntry) => string;

export function snapshotOf(entries: ConfigEntry[], open: OpenEntry): SnapshotEntry[] {
  return entries
    .map((entry) => ({
      key: entry.key,
      scope: entry.scope,
      kind: entry.kind,
      value: entry.kind === 'var' ? (entry.value ?? '') : open(entry),
    }))
    .sort((a, b) => (a.scope === b.scope ? (a.key < b.key ? -1 : 1) : a.scope < b.scope ? -1 : 1));
}

/** The environment a release's processes run with: app over namespace over tenant. */
export function environmentOf(snapshot: SnapshotEntry[]): Record<string, string> {
  const merged = mergeEnvironment(snapshot.map((entry) => ({ ...entry, secret: entry.kind === 'secret' })));
  return Object.fromEntries(merged.map((entry) => [entry.key, entry.value]));
}

/** The values that must never be shown: every secret of the snapshot. */
export function secretValuesOf(snapshot: SnapshotEntry[]): string[] {
  return snapshot.filter((entry) => entry.kind === 'secret').map((entry) => entry.value);
}
