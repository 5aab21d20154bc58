const CUSTOM_DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

/**
 * The table key for a Host header, in lower case without port or final dot: an app's own
 * APP.NAMESPACE.TENANT.DOMAIN, or a name outside DOMAIN that may be an app's custom domain;
 * nothing for other names under DOMAIN, addresses in brackets or malformed names.
 */
export function appHostOf(hostHeader: string | undefined, domain: string): string | undefined {
  if (!hostHeader) return undefined;
  let name = hostHeader.toLowerCase();
  const colon = name.indexOf(':');
  if (colon !== -1) name = name.slice(0, colon);
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === domain) return undefined;
  if (!name.endsWith(`.${domain}`)) return CUSTOM_DOMAIN.test(name) ? name : undefined;
  const labels = name.slice(0, -domain.length - 1).split('.');
  return labels.length === 3 && labels.every((label) => label.length > 0) ? name : undefined;
}

/** The one-level wildcard that may stand for `host` in the table (`a.example.com` → `*.example.com`). */
export function wildcardOf(host: string): string | undefined {
  const parent = host.slice(host.indexOf('.') + 1);
  return parent.includes('.') ? `*.${parent}` : undefined;
}

/** A client's Host header as logs and error pages show it: whatever the client sent, bounded. */
export const hostForDisplay = (hostHeader: string | undefined): string => (hostHeader ?? '').slice(0, 255);
