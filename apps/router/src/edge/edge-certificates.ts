import type { AppRoute } from '../routing/balancer';
import type { EdgeCommand } from './edge-plan';

/** An app certificate as HAProxy should hold it: under `name`, served for `serves` only. */
export interface WantedCertificate {
  name: string;
  serves: readonly string[];
  /** Its certificate, chain and key (PEM); undefined when it cannot be opened (it is left out). */
  pem(): string | undefined;
}

/** What HAProxy holds of the apps' certificates. */
export interface CertificatesState {
  /** The crt-list's entries: certificate name → the names it is served for. */
  entries: Map<string, string[]>;
  /** Certificate stores, listed or not (one left empty by a pass that failed half-way). */
  stores: Set<string>;
  /** A certificate whose change was begun and not committed: it blocks every other. */
  transaction: string | undefined;
}

export interface CertificatesPlanOptions {
  /** The crt-list of the HTTPS bind. */
  crtList: string;
  /** Every app certificate's name starts with this; the platform's does not. */
  prefix: string;
}

const SUCCESS = {
  created: /New empty certificate store/,
  staged: /Transaction (created|updated)/,
  done: /Success!/,
  aborted: /aborted/,
  unlisted: /deleted in crtlist/,
  deleted: /deleted!/,
};

/** `show ssl crt-list <list>`: a name, `[options]` if any, then the SNI filters. */
export function parseCrtList(output: string): Map<string, string[]> {
  const entries = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const [name, ...rest] = trimmed.replace(/\[[^\]]*\]/g, ' ').split(/\s+/);
    if (name) entries.set(name, rest.filter(Boolean));
  }
  return entries;
}

/** `show ssl cert`: stores under `# filename`, and the one open transaction under `# transaction`. */
export function parseCertificateStores(output: string): Pick<CertificatesState, 'stores' | 'transaction'> {
  const stores = new Set<string>();
  let transaction: string | undefined;
  let section = '';
  for (const line of output.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) section = trimmed;
    else if (!trimmed) continue;
    else if (section === '# transaction') transaction = trimmed.replace(/^\*/, '');
    else stores.add(trimmed);
  }
  return { stores, transaction };
}

/** A PEM as a runtime API payload, which ends at the first empty line. */
const asPayload = (pem: string): string =>
  pem
    .split(/\r?\n/)
    .filter((line) => line.trim())
    .join('\n');

const sameNames = (a: readonly string[], b: readonly string[]): boolean =>
  [...a].sort().join(' ') === [...b].sort().join(' ');

/**
 * What to tell HAProxy so that it holds exactly the wanted app certificates, each served for its
 * app's names only: pure, from what HAProxy holds now, like {@link planEdge}. A certificate's
 * content never changes under one name; a change of names is the entry removed and added again.
 */
export function planCertificates(
  wanted: readonly WantedCertificate[],
  actual: CertificatesState,
  options: CertificatesPlanOptions,
): EdgeCommand[] {
  const { crtList, prefix } = options;
  const commands: EdgeCommand[] = [];
  if (actual.transaction) {
    commands.push({ command: `abort ssl cert ${actual.transaction}`, success: SUCCESS.aborted });
  }
  const wantedNames = new Set(wanted.map((certificate) => certificate.name));
  for (const certificate of wanted) {
    const entry = `add ssl crt-list ${crtList} <<\n${certificate.name} ${certificate.serves.join(' ')}\n`;
    const listed = actual.entries.get(certificate.name);
    if (listed) {
      if (sameNames(listed, certificate.serves)) continue;
      commands.push(
        { command: `del ssl crt-list ${crtList} ${certificate.name}`, success: SUCCESS.unlisted },
        { command: entry, success: SUCCESS.done },
      );
      continue;
    }
    const pem = certificate.pem();
    if (pem === undefined) continue;
    if (!actual.stores.has(certificate.name)) {
      commands.push({ command: `new ssl cert ${certificate.name}`, success: SUCCESS.created });
    }
    commands.push(
      { command: `set ssl cert ${certificate.name} <<\n${asPayload(pem)}\n`, success: SUCCESS.staged },
      { command: `commit ssl cert ${certificate.name}`, success: SUCCESS.done },
      { command: entry, success: SUCCESS.done },
    );
  }
  for (const name of actual.entries.keys()) {
    if (!name.startsWith(prefix) || wantedNames.has(name)) continue;
    commands.push(
      { command: `del ssl crt-list ${crtList} ${name}`, success: SUCCESS.unlisted },
      { command: `del ssl cert ${name}`, success: SUCCESS.deleted },
    );
  }
  for (const name of actual.stores) {
    if (!name.startsWith(prefix) || wantedNames.has(name) || actual.entries.has(name)) continue;
    commands.push({ command: `del ssl cert ${name}`, success: SUCCESS.deleted });
  }
  return commands;
}

/**
 * The redirect map: the slot of every app that asked for plain HTTP to go to HTTPS. Keyed by
 * slot, so an app's wildcard domains are covered as its exact names are.
 */
export function planRedirects(
  routes: Iterable<AppRoute>,
  backendOfApp: ReadonlyMap<string, string>,
  actual: ReadonlyMap<string, string>,
  mapPath: string,
): EdgeCommand[] {
  const wanted = new Set<string>();
  for (const route of routes) {
    const backend = route.httpsRedirect ? backendOfApp.get(route.appId) : undefined;
    if (backend) wanted.add(backend);
  }
  const commands: EdgeCommand[] = [];
  for (const backend of wanted) {
    if (!actual.has(backend)) commands.push({ command: `add map ${mapPath} ${backend} 1`, success: /^\s*$/ });
  }
  for (const backend of actual.keys()) {
    if (!wanted.has(backend)) commands.push({ command: `del map ${mapPath} ${backend}`, success: /^\s*$/ });
  }
  return commands;
}
