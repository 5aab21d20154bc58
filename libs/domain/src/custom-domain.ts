/**
 * Custom domains: a host name of the tenant's own (`www.example.com`) or a wildcard of one level
 * (`*.example.com`: `a.example.com`, not `example.com` nor `a.b.example.com`, as a TLS wildcard
 * certificate covers), on which one app answers. One domain, one app, on the whole platform.
 */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export type DomainCheck = { ok: true; hostname: string } | { ok: false; reason: string };

/** Normalises and checks a domain a user asked for; `platformDomain` is NIMBUS_DOMAIN. */
export function parseCustomDomain(input: string, platformDomain: string): DomainCheck {
  const hostname = input.trim().toLowerCase().replace(/\.$/, '');
  if (hostname.length === 0 || hostname.length > 253)
    return { ok: false, reason: 'must be a host name of at most 253 characters' };
  const wildcard = hostname.startsWith('*.');
  const labels = (wildcard ? hostname.slice(2) : hostname).split('.');
  if (labels.some((label) => !LABEL.test(label)))
    return {
      ok: false,
      reason: 'must be DNS labels of letters, digits and hyphens, separated by dots (a wildcard only as *.)',
    };
  if (labels.length < 2) return { ok: false, reason: 'must have at least two labels (example.com)' };
  if (labels.every((label) => /^\d+$/.test(label)))
    return { ok: false, reason: 'must be a name, not an address' };
  const platform = platformDomain.toLowerCase();
  const bare = wildcard ? hostname.slice(2) : hostname;
  if (bare === platform || bare.endsWith(`.${platform}`))
    return { ok: false, reason: `names under ${platform} are the platform's own` };
  return { ok: true, hostname };
}

/** The wildcard that would cover `hostname` (`www.example.com` → `*.example.com`), if any. */
export function coveringWildcard(hostname: string): string | null {
  if (hostname.startsWith('*.')) return null;
  const dot = hostname.indexOf('.');
  const parent = hostname.slice(dot + 1);
  return parent.includes('.') ? `*.${parent}` : null;
}

/**
 * What two claims on the same names must not be split between two apps over: the names a wildcard
 * covers, the name itself otherwise. Claims that could collide share this key, so taking a lock on
 * it serialises them.
 */
export function domainFamily(hostname: string): string {
  return hostname.startsWith('*.') ? hostname.slice(2) : hostname.slice(hostname.indexOf('.') + 1);
}

/** Whether the wildcard `wildcard` covers `hostname` (one label more, the same parent). */
export function wildcardCovers(wildcard: string, hostname: string): boolean {
  return coveringWildcard(hostname) === wildcard;
}

/**
 * Whether a certificate valid for `name` (a DNS name or one-level wildcard from it) may be served
 * for the app host `hostname` (a name, or a wildcard domain, which only the same wildcard covers).
 */
export function certificateNameCovers(name: string, hostname: string): boolean {
  return name === hostname || wildcardCovers(name, hostname);
}

/** The hosts among `hosts` that a certificate valid for `names` may be served for, sorted. */
export function hostsCoveredBy(names: readonly string[], hosts: Iterable<string>): string[] {
  return [...new Set(hosts)].filter((host) => names.some((name) => certificateNameCovers(name, host))).sort();
}

/** What choosing among an app's certificates needs to know of each. */
export interface CertificateCandidate {
  id: string;
  hostnames: readonly string[];
  notAfter: Date;
}

/**
 * Which of the app's hosts each certificate is served for: a host covered by several (a renewed
 * certificate added beside the old one) gets the one that expires last, so a renewal takes over
 * as soon as it is added, and removing the old one changes nothing. Certificates serving no host
 * are absent.
 */
export function servedHosts(
  certificates: readonly CertificateCandidate[],
  hosts: Iterable<string>,
): Map<string, string[]> {
  const served = new Map<string, string[]>();
  for (const host of [...new Set(hosts)].sort()) {
    let best: CertificateCandidate | undefined;
    for (const certificate of certificates) {
      if (!hostsCoveredBy(certificate.hostnames, [host]).length) continue;
      const later = !best || certificate.notAfter.getTime() > best.notAfter.getTime();
      const tie =
        best && certificate.notAfter.getTime() === best.notAfter.getTime() && certificate.id < best.id;
      if (later || tie) best = certificate;
    }
    if (best) served.set(best.id, [...(served.get(best.id) ?? []), host]);
  }
  return served;
}
