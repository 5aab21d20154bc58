import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Where submodules may come from. Tenants write `.gitmodules`, and the platform fetches what it
 * names with its own file-system rights, so:
 * - http(s):// and git:// URLs are fetched (anonymously: Nimbus holds no one's credentials);
 * - file:// URLs and local paths only under `fileRoot`, an operator's choice (tests, a mirror of
 *   shared libraries); unset, they are refused, so a push can never read the gateway's disk;
 * - a relative URL (`../lib.git`) is resolved against the superproject's URL, as git does: at the
 *   top, that is the app's own repository, so it names another app of the same namespace, which
 *   the pusher can already read; inside a submodule, it stays relative to that submodule's URL;
 * - ssh and every other transport are refused (no keys here; `ext::` would run commands).
 */
export interface SubmodulePolicy {
  fileRoot: string | null;
  /** Repository paths of the app's namespace by app name, for relative URLs at the top. */
  siblings: Record<string, string>;
}

/** Where one submodule is fetched from, and the URL its own relative submodules resolve against. */
export interface ResolvedSource {
  /** What `git fetch` is given. */
  fetch: string;
  /** The transport, for GIT_ALLOW_PROTOCOL. */
  protocol: 'file' | 'http' | 'https' | 'git';
  base: string;
}

/** The superproject's own URL at the top of the tree: relative URLs there name sibling apps. */
export const APP_BASE = 'nimbus-app:/namespace/app.git';

export class SubmoduleUrlError extends Error {}

export function resolveSubmoduleUrl(url: string, base: string, policy: SubmodulePolicy): ResolvedSource {
  const raw = url.trim();
  if (!raw || raw.startsWith('-')) throw new SubmoduleUrlError(`"${url}" is not a repository URL`);
  if (raw.startsWith('./') || raw.startsWith('../')) return resolveRelative(raw, base, policy);
  if (/^file:\/\//i.test(raw)) return localSource(fileURLToPath(raw), policy, url);
  if (isAbsolute(raw)) return localSource(raw, policy, url);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https' || scheme === 'git') {
    const parsed = new URL(raw);
    if (parsed.username || parsed.password)
      throw new SubmoduleUrlError(`"${redact(raw)}" carries credentials: .gitmodules is no place for them`);
    return { fetch: parsed.href, protocol: scheme, base: parsed.href };
  }
  throw new SubmoduleUrlError(
    `"${url}" uses a transport Nimbus does not fetch submodules with: use https:// (or a relative URL to another app of this namespace)`,
  );
}

function resolveRelative(raw: string, base: string, policy: SubmodulePolicy): ResolvedSource {
  if (base === APP_BASE) {
    // Relative to …/<namespace>/<app>.git: `../lib.git` (or `../lib`) is the app `lib`.
    const name = /^\.\.\/([a-z][a-z0-9-]*?)(\.git)?\/?$/.exec(raw)?.[1];
    const path = name ? policy.siblings[name] : undefined;
    if (!name || !path)
      throw new SubmoduleUrlError(
        name
          ? `"${raw}" names app ${name}, which this namespace does not have`
          : `"${raw}": a relative submodule URL must name another app of this namespace, as ../APP.git`,
      );
    // The platform's own repositories: the root check does not apply, the pusher may read them.
    return { fetch: path, protocol: 'file', base: pathToFileURL(path).href };
  }
  const joined = new URL(raw, base.endsWith('/') ? base : `${base}/`);
  const resolved = resolveSubmoduleUrl(
    joined.protocol === 'file:' ? joined.href : joined.href.replace(/\/$/, ''),
    APP_BASE,
    policy,
  );
  return resolved;
}

function localSource(path: string, policy: SubmodulePolicy, url: string): ResolvedSource {
  if (!policy.fileRoot)
    throw new SubmoduleUrlError(
      `"${url}" is a local path: this platform fetches submodules over https only (NIMBUS_GIT_SUBMODULE_FILE_ROOT is unset)`,
    );
  const outside = (candidate: string, root: string) => {
    const inside = relative(root, candidate);
    return inside.startsWith('..') || isAbsolute(inside);
  };
  if (outside(resolvePath(path), policy.fileRoot))
    throw new SubmoduleUrlError(`"${url}" is outside the directory local submodules may come from`);
  let full: string;
  try {
    // Real paths on both sides: a symbolic link under the root must not lead out of it.
    full = realpathSync(resolvePath(path));
  } catch {
    throw new SubmoduleUrlError(`"${url}" does not exist`);
  }
  if (outside(full, realpathSync(policy.fileRoot)))
    throw new SubmoduleUrlError(`"${url}" is outside the directory local submodules may come from`);
  return { fetch: full, protocol: 'file', base: pathToFileURL(full).href };
}

const redact = (url: string) => url.replace(/\/\/[^@/]*@/, '//…@');
