// The app every figure is measured on: Node.js, one npm dependency (`ms`) pinned by a lockfile.
// The lockfile is written here rather than by `npm install`, so the app is the same on every run.
// bench/serving deploys the same app with a server.js of its own (see `createAppRepository`).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PACKAGE_JSON = {
  name: 'bench-app',
  version: '1.0.0',
  dependencies: { ms: '2.1.3' },
  scripts: { start: 'node server.js' },
};

const PACKAGE_LOCK = {
  name: 'bench-app',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'bench-app', version: '1.0.0', dependencies: { ms: '2.1.3' } },
    'node_modules/ms': {
      version: '2.1.3',
      resolved: 'https://registry.npmjs.org/ms/-/ms-2.1.3.tgz',
      integrity:
        'sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==',
      license: 'MIT',
    },
  },
};

/** bench/build's server.js: `label` in a comment, so each commit changes the source and nothing else. */
const server = (label) =>
  `// ${label}\nconst ms = require('ms');\n` +
  "require('http').createServer((q, s) => s.end(ms(60000))).listen(process.env.PORT);\n";

/** git with no user or system configuration, so a developer's settings cannot change what is measured. */
export function git(cwd, ...args) {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=Bench',
      '-c',
      'user.email=bench@example.test',
      '-c',
      'init.defaultBranch=main',
      ...args,
    ],
    { cwd, env: gitEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  )
    .toString()
    .trim();
}

export function gitEnv() {
  return {
    PATH: process.env.PATH,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
  };
}

/**
 * A new repository at `dir` holding the app in one commit on main, with `serverJs` as its
 * server.js and `message` as the commit's (by default bench/build's, 'initial'); returns the commit.
 */
export function createAppRepository(dir, { serverJs = server('initial'), message = 'initial' } = {}) {
  git(process.cwd(), 'init', '-q', dir);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(PACKAGE_JSON, null, 2)}\n`);
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(PACKAGE_LOCK, null, 2)}\n`);
  writeFileSync(join(dir, 'server.js'), serverJs);
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/**
 * Commits a change to server.js only, so the lockfile stays as it was (by default bench/build's
 * server.js marked with `label`); `label` is the commit message. Returns the commit.
 */
export function commitSourceChange(dir, label, serverJs = server(label)) {
  writeFileSync(join(dir, 'server.js'), serverJs);
  git(dir, 'commit', '-qam', label);
  return git(dir, 'rev-parse', 'HEAD');
}
