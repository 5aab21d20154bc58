import { parseProcfile } from './procfile';

export type StackName = 'node' | 'python' | 'static' | 'procfile';

export interface BuildStep {
  name: string;
  /** argv, run without a shell. */
  command: string[];
}

export interface BuildPlan {
  stack: StackName;
  /** The root files the stack was recognised by, for the build output ("package.json, package-lock.json"). */
  detectedFrom: string[];
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
  'or a Procfile whose commands need no other toolchain';

/**
 * Stacks recognised only to refuse them (or ignore them beside a supported one), with the root
 * files that give each away. Their toolchains are not in Nimbus's images, so a Procfile naming
 * `bundle` or `go` would build and then crash-loop with "not found".
 */
const UNBUILDABLE: readonly {
  what: string;
  why: string;
  evidence: (files: ReadonlySet<string>) => string[];
}[] = [
  {
    what: 'a Go app',
    why: 'Nimbus has no Go toolchain',
    evidence: (files) => present(files, ['go.mod', 'Gopkg.lock', 'Godeps']),
  },
  {
    what: 'a Ruby app',
    why: 'Nimbus has no Ruby toolchain',
    evidence: (files) => present(files, ['Gemfile', 'Gemfile.lock']),
  },
  {
    what: 'a PHP app',
    why: 'Nimbus has no PHP toolchain',
    // index.php beside index.html is a static site that happens to carry a script.
    evidence: (files) => [
      ...present(files, ['composer.json', 'composer.lock']),
      ...(files.has('index.php') && !files.has('index.html') ? ['index.php'] : []),
    ],
  },
  {
    what: 'a Docker build',
    why: 'Nimbus does not build Dockerfiles',
    evidence: (files) => present(files, ['Dockerfile']),
  },
];

const STACK_LABELS: Record<StackName, string> = {
  node: 'Node.js',
  python: 'Python',
  static: 'a static site',
  procfile: 'a Procfile app',
};

function present(files: ReadonlySet<string>, names: readonly string[]): string[] {
  return names.filter((name) => files.has(name));
}

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
  const detectedFrom = present(facts.files, [
    'package.json',
    'package-lock.json',
    'npm-shrinkwrap.json',
    'yarn.lock',
    'pnpm-lock.yaml',
  ]);
  return { stack: 'node' as const, detectedFrom, steps, web };
}

function pythonPlan(facts: RepositoryFacts) {
  const venv: BuildStep = { name: 'create virtualenv', command: ['python3', '-m', 'venv', '.venv'] };
  const install: BuildStep = facts.files.has('requirements.txt')
    ? {
        name: 'pip install -r requirements.txt',
        command: ['.venv/bin/pip', 'install', '--no-input', '-r', 'requirements.txt'],
      }
    : { name: 'pip install .', command: ['.venv/bin/pip', 'install', '--no-input', '.'] };
  const detectedFrom = present(facts.files, ['requirements.txt', 'pyproject.toml']);
  return { stack: 'python' as const, detectedFrom, steps: [venv, install], web: null };
}

interface Detected {
  stack: StackName;
  detectedFrom: string[];
  steps: BuildStep[];
  web: string | null;
}

/** The supported language stack the files show, if any: Node.js, then Python, then a static site. */
function detectLanguage(facts: RepositoryFacts, warnings: string[]): Detected | null {
  if (facts.files.has('package.json')) return nodePlan(facts, warnings);
  if (facts.files.has('requirements.txt') || facts.files.has('pyproject.toml')) return pythonPlan(facts);
  if (facts.files.has('index.html'))
    return { stack: 'static', detectedFrom: ['index.html'], steps: [], web: STATIC_SERVER_COMMAND };
  return null;
}

/**
 * Decides how to build a commit: Node.js, then Python, then a static site, then a bare Procfile.
 * A Procfile's process types always win; the stack only supplies a default `web`. What Nimbus
 * cannot build (Go, Ruby, PHP, a Dockerfile, buildpacks) is refused with what was found, even
 * with a Procfile, since its commands would have no toolchain; beside a supported stack it is
 * ignored with a warning.
 */
export function planBuild(facts: RepositoryFacts): BuildPlan {
  const warnings: string[] = [];
  if (facts.files.has('.buildpacks')) {
    throw new UnsupportedAppError(
      `found .buildpacks, which asks for buildpacks (multi-buildpack): Nimbus does not run buildpacks. ` +
        `Nimbus builds ${SUPPORTED_STACKS}.`,
    );
  }
  const procfile = facts.procfile !== undefined ? parseProcfile(facts.procfile) : null;
  warnings.push(...(procfile?.warnings.map((warning) => `Procfile ${warning}`) ?? []));

  const unbuildable = UNBUILDABLE.map((stack) => ({ ...stack, found: stack.evidence(facts.files) })).filter(
    (stack) => stack.found.length > 0,
  );
  const language = detectLanguage(facts, warnings);
  let detected: Detected;
  if (language) {
    detected = language;
    for (const stack of unbuildable)
      warnings.push(
        `${stack.found.join(', ')} ignored (${stack.why}): this app builds as ` +
          `${STACK_LABELS[language.stack]} (${language.detectedFrom.join(', ')})`,
      );
  } else if (unbuildable.length > 0) {
    const found = unbuildable.map((stack) => `${stack.what} (${stack.found.join(', ')})`).join(' and ');
    const why = unbuildable.map((stack) => stack.why).join(' and ');
    throw new UnsupportedAppError(
      `found ${found}, which Nimbus cannot build: ${why}` +
        `${procfile ? ", so the Procfile's commands could not run" : ''}. Nimbus builds ${SUPPORTED_STACKS}.`,
    );
  } else if (procfile) detected = { stack: 'procfile', detectedFrom: ['Procfile'], steps: [], web: null };
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
    detectedFrom: detected.detectedFrom,
    steps: detected.steps,
    processes,
    release: procfile?.processes.get('release') ?? null,
    warnings,
  };
}
