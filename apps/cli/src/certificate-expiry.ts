const DAY_MS = 86_400_000;

/** How long a certificate has left, as `certs` shows it: `in 30 days`, `EXPIRED`. */
export function describeExpiry(notAfter: string, now = Date.now()): string {
  const left = new Date(notAfter).getTime() - now;
  if (left <= 0) return 'EXPIRED';
  // Whole days left, rounded down: a certificate "in 1 day" has not yet 2 days.
  const days = Math.floor(left / DAY_MS);
  if (days === 0) return 'in less than a day';
  return `in ${days} day${days === 1 ? '' : 's'}`;
}
