import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import stableStringify from 'safe-stable-stringify';

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];

/** The parts of package.json that decide what `npm install` puts into node_modules. */
const DEPENDENCY_FIELDS = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bundleDependencies',
  'bundledDependencies',
  'overrides',
  'workspaces',
] as const;

/**
 * What decides node_modules: the lockfile when there is one; without one, the package.json's
 * dependency fields and the Node.js version (as Heroku does), so ranges are not re-resolved until
 * the app's dependencies or runtime change. Null when there is nothing to install.
 */
export async function nodeModulesKey(appDir: string, nodeVersion = process.version): Promise<string | null> {
  for (const name of LOCKFILES) {
    const text = await readFile(join(appDir, name)).catch(() => null);
    if (text) return createHash('sha256').update(name).update(text).digest('hex');
  }
  const manifest = await readFile(join(appDir, 'package.json'), 'utf8').catch(() => null);
  const fields = manifest === null ? null : dependencyFields(manifest);
  if (!fields) return null;
  return createHash('sha256')
    .update('package.json\0')
    .update(nodeVersion)
    .update('\0')
    .update(fields)
    .digest('hex');
}

/**
 * package.json's dependency fields, key order normalised, or null when it declares none (or is
 * not JSON: the build plan has refused it by then).
 */
function dependencyFields(manifest: string): string | null {
  let pkg: unknown;
  try {
    pkg = JSON.parse(manifest);
  } catch {
    return null;
  }
  if (typeof pkg !== 'object' || pkg === null) return null;
  const fields: Record<string, unknown> = {};
  for (const field of DEPENDENCY_FIELDS) {
    const value = (pkg as Record<string, unknown>)[field];
    if (value !== undefined) fields[field] = value;
  }
  return Object.keys(fields).length > 0 ? (stableStringify(fields) ?? null) : null;
}

/** The files that name a Python app's dependencies, in the order the build plan reads them. */
const PYTHON_MANIFESTS = ['requirements.txt', 'pyproject.toml'];

/**
 * What decides a virtualenv: the app's requirements file (or pyproject.toml) and the interpreter
 * it links to. Builds run the host's Python (the build container mounts the host's /usr), so its
 * identity is that binary's: a new Python package on the host makes a new key. Null when the app
 * names no dependencies.
 */
export async function virtualenvKey(
  appDir: string,
  interpreter = '/usr/bin/python3',
): Promise<string | null> {
  for (const name of PYTHON_MANIFESTS) {
    const text = await readFile(join(appDir, name)).catch(() => null);
    if (text === null) continue;
    const python = await realpath(interpreter).catch(() => interpreter);
    const stats = await stat(python).catch(() => null);
    return createHash('sha256')
      .update(`${name}\0${python}\0${stats?.size ?? 0}\0${stats?.mtimeMs ?? 0}\0`)
      .update(text)
      .digest('hex');
  }
  return null;
}
