import type { ConfigEntry } from '@nimbus/db';
import type { ConfigScope } from '@nimbus/domain';

/** One config entry as a release captured it: every scope, so rollback can restore the app's own. */
export interface SnapshotEntry {
  key: string;
  scope: ConfigScope;
  kind: 'var' | 'secret';
  value: string;
}

export function describeChange(
  kind: 'var' | 'secret',
  set: string[],
  unset: string[],
  where: string | null,
): string {
  const noun = kind === 'var' ? 'config vars' : 'secrets';
  const parts = [
    set.length ? `Set ${set.join(', ')}` : null,
    unset.length ? `${set.length ? 'unset' : 'Unset'} ${unset.join(', ')}` : null,
  ];
  return `${parts.filter(Boolean).join('; ')} ${noun}${where ? ` (${where})` : ''}`;
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
