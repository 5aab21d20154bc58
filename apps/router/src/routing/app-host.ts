/** The table key for a Host header: APP.NAMESPACE.TENANT.DOMAIN in lower case, port removed. */
export function appHostOf(hostHeader: string | undefined, domain: string): string | undefined {
  if (!hostHeader) return undefined;
  let name = hostHeader.toLowerCase();
  const colon = name.indexOf(':');
  if (colon !== -1) name = name.slice(0, colon);
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (!name.endsWith(`.${domain}`)) return undefined;
  const labels = name.slice(0, -domain.length - 1).split('.');
  return labels.length === 3 && labels.every((label) => label.length > 0) ? name : undefined;
}

/** A client's Host header as logs and error pages show it: whatever the client sent, bounded. */
export const hostForDisplay = (hostHeader: string | undefined): string => (hostHeader ?? '').slice(0, 255);
