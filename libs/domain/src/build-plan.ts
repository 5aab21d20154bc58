import { parseProcfile } from './procfile';

export type StackName = 'node' | 'python' | 'static' | 'procfile';

export interface BuildStep {
  name: string;
  /** argv, run without a shell. */
  command: string[];
}

export interface BuildPlan {
  stack: StackName;
  steps: BuildStep[];
  /** Process types to run: the Procfile's, with the stack's default `web` when it names none. */
  processes: Record<string, string>;
  /** The Procfile's `release` command, run once per release before it goes live. */
  release: string | null;
  warnings: string[];
}

/** What the builder read from the top of a pushed commit. */
export interface RepositoryFacts {
  /** Names of the files at the repository's root. */
  files: ReadonlySet<string>;
  procfile?: string;
  packageJson?: string;
}

/** Serves a static site from the app's root; the builder puts it into every static image. */
export const STATIC_SERVER_COMMAND = 'node /nimbus/static-server.mjs';

export const SUPPORTED_STACKS =
  'Node.js (package.json), Python (requirements.txt or pyproject.toml), a static site (index.html), ' +
  'or any app with a Procfile';

export class UnsupportedAppError extends Error {}

interface PackageJson {
  scripts?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
}

function readPackageJson(text: string): PackageJson {
  try {
    const data: unknown = JSON.parse(text);
    if (typeof data === 'object' && data !== null && !Array.isArray(data)) return data as PackageJson;
  } catch {
    // Reported below, with the file's name.
  }
  throw new UnsupportedAppError('package.json is not a valid JSON object');
}

function nodePlan(facts: RepositoryFacts, warnings: string[]) {
  const pkg = readPackageJson(facts.packageJson ?? '');
  const locked = facts.files.has('package-lock.json') || facts.files.has('npm-shrinkwrap.json');
  if (!locked && (facts.files.has('yarn.lock') || facts.files.has('pnpm-lock.yaml'))) {
    warnings.push(
      'yarn.lock or pnpm-lock.yaml found: Nimbus installs with npm, so versions may differ from your lockfile',
    );
  }
  const steps: BuildStep[] = [
    locked
      ? { name: 'npm ci', command: ['npm', 'ci', '--no-audit', '--no-fund'] }
      : { name: 'npm install', command: ['npm', 'install', '--no-audit', '--no-fund'] },
  ];
  if (typeof pkg.scripts?.build === 'string')
    steps.push({ name: 'npm run build', command: ['npm', 'run', 'build'] });
  // As Heroku does: development dependencies serve the build, not the running app.
  if (pkg.devDependencies && Object.keys(pkg.devDependencies).length > 0) {
    steps.push({ name: 'npm prune', command: ['npm', 'prune', '--omit=dev', '--no-audit', '--no-fund'] });
  }
  const web =
    typeof pkg.scripts?.start === 'string'
      ? 'npm start'
      : facts.files.has('server.js')
        ? 'node server.js'
        : null;
  return { stack: 'node' as const, steps, web };
}

function pythonPlan(facts: RepositoryFacts) {
  const venv: BuildStep = { name: 'create virtualenv', command: ['python3', '-m', 'venv', '.venv'] };
  const install: BuildStep = facts.files.has('requirements.txt')
    ? {
        name: 'pip install -r requirements.txt',
        command: ['.venv/bin/pip', 'install', '--no-input', '-r', 'requirements.txt'],
      }
    : { name: 'pip install .', command: ['.venv/bin/pip', 'install', '--no-input', '.'] };
  return { stack: 'python' as const, steps: [venv, install], web: null };
}

/**
 * Decides how to build a commit: Node.js, then Python, then a static site, then a bare Procfile.
 * A Procfile's process types always win; the stack only supplies a default `web`.
 */
export function planBuild(facts: RepositoryFacts): BuildPlan {
  const warnings: string[] = [];
  const procfile = facts.procfile !== undefined ? parseProcfile(facts.procfile) : null;
  warnings.push(...(procfile?.warnings.map((warning) => `Procfile ${warning}`) ?? []));

  let detected: { stack: StackName; steps: BuildStep[]; web: string | null };
  if (facts.files.has('package.json')) detected = nodePlan(facts, warnings);
  else if (facts.files.has('requirements.txt') || facts.files.has('pyproject.toml'))
    detected = pythonPlan(facts);
  else if (facts.files.has('index.html'))
    detected = { stack: 'static', steps: [], web: STATIC_SERVER_COMMAND };
  else if (procfile) detected = { stack: 'procfile', steps: [], web: null };
  else throw new UnsupportedAppError(`no supported app found. Nimbus builds ${SUPPORTED_STACKS}.`);

  const processes: Record<string, string> = {};
  if (detected.web) processes.web = detected.web;
  for (const [type, command] of procfile?.processes ?? []) {
    if (type !== 'release') processes[type] = command;
  }
  if (Object.keys(processes).length === 0) {
    throw new UnsupportedAppError(
      detected.stack === 'node'
        ? 'nothing to run: add a "start" script to package.json or a Procfile with a web process'
        : 'nothing to run: add a Procfile with at least one process type, such as "web: <command>"',
    );
  }
  return {
    stack: detected.stack,
    steps: detected.steps,
    processes,
    release: procfile?.processes.get('release') ?? null,
    warnings,
  };
}
