import { CliError } from './errors';

/**
 * `KEY=VALUE` arguments split at the first `=`, so values may contain `=`. Every pair is checked
 * before anything is sent; a later pair for the same key wins, as in a shell. Key syntax is left
 * to the API, which owns the rule.
 */
export function parseAssignments(pairs: string[]): Record<string, string> {
  if (pairs.length === 0) throw new CliError('name at least one KEY=VALUE pair');
  const values = new Map<string, string>();
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at === -1) throw new CliError(`"${pair}" is not a KEY=VALUE pair`);
    if (at === 0) throw new CliError(`"${pair}" has no key before "="`);
    values.set(pair.slice(0, at), pair.slice(at + 1));
  }
  // fromEntries defines own properties, so a key such as __proto__ stays an ordinary key.
  return Object.fromEntries(values);
}

/** Keys to unset: non-empty, and not `KEY=VALUE` pairs typed by habit. */
export function parseKeys(keys: string[]): string[] {
  if (keys.length === 0) throw new CliError('name at least one KEY');
  for (const key of keys) {
    if (key === '') throw new CliError('a key is empty');
    if (key.includes('=')) throw new CliError(`"${key}" is a KEY=VALUE pair: unset takes keys only`);
  }
  return [...new Set(keys)];
}
