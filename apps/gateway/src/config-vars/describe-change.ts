/** A release description for a config change, such as `Set A, B; unset C config vars (namespace)`. */
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
