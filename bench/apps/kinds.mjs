// The kinds of app the bench deploys, one per stack or feature that issue #8 asks about: what
// each one's source is at a given version, what its Procfile and app.json use, and how to tell
// that the router answers with that version. Versions are unique strings (`cold-…`, `warm-…`)
// that each app serves back, so an answer of the old release never passes for the new one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { git } from '../build/bench-app.mjs';
import { commitVersion, createApp } from '../serving/app.mjs';

const require = createRequire(import.meta.url);
const { pyprojectApp, requirementsApp } = require('@nimbus/testing');

/** `files` written into the repository at `dir` (made on the first call) and committed as `message`. */
export function commitFiles(dir, files, message) {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', message);
}

/** A dependency-free server answering `VERSION` and whatever `extra` (a JS expression) adds. */
const nodeServer = (version, extra = "''") => `const http = require('node:http');
const server = http.createServer((request, response) => {
  if (request.url === '/health') return response.end('ok');
  response.end(${JSON.stringify(version)} + ' ' + ${extra} + '\\n');
});
server.listen(Number(process.env.PORT));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const packageJson = (name, extra = {}) =>
  `${JSON.stringify({ name, version: '1.0.0', private: true, scripts: { start: 'node server.js' }, ...extra }, null, 2)}\n`;

/** app.json with `//` comments, as Heroku's own parser accepts them. */
const WORKER_APP_JSON = `{
  // Two web instances and a worker from the first deploy on.
  "formation": { "web": { "quantity": 2 }, "worker": { "quantity": 1 } },
  "env": {
    // A default the app shows in its answer; \`config:set\` would override it.
    "GREETING": { "value": "hello from app.json" }
  },
  "scripts": { "postdeploy": "echo seeded $NIMBUS_RELEASE" },
  "healthchecks": {
    "web": [{ "type": "startup", "path": "/health", "content": "ok", "attempts": 10, "wait": 1 }]
  }
}
`;

/**
 * Each kind: `procfile` and `appJson` describe the features it uses (for the table);
 * `files(version)` is its source; `create`/`change` override how the first and later commits are
 * made; `path` is what the bench asks the router for; `refused` says the push must be refused;
 * `python` that pip must find the bench's package index; `processTypes` what to scale to zero
 * after it; `submodule` that it vendors a repository from the allowed local mirror.
 */
export const KINDS = [
  {
    kind: 'node + lockfile',
    id: 'node-lock',
    procfile: '-',
    appJson: '-',
    note: 'ms 2.1.3 pinned by package-lock.json, npm start',
    // bench/serving's app: answers JSON carrying its version.
    create: (dir, version, app) => createApp(dir, app, version),
    change: (dir, version, app) => commitVersion(dir, app, version),
  },
  {
    kind: 'node, no lockfile',
    id: 'node-nolock',
    procfile: '-',
    appJson: '-',
    files: (version) => ({
      'package.json': packageJson('nolock', { dependencies: { ms: '^2.1.3' } }),
      'server.js': nodeServer(version, "require('ms')(90000)"),
    }),
  },
  {
    kind: 'static site',
    id: 'static',
    procfile: '-',
    appJson: '-',
    files: (version) => ({ 'index.html': `<!DOCTYPE html>\n<title>bench</title>\n<p>${version}</p>\n` }),
  },
  {
    kind: 'Procfile only',
    id: 'procfile',
    procfile: 'web (python3 -m http.server), release (writes /app)',
    appJson: '-',
    // No index.html, which would make it a static site: the version is a file of its own.
    files: (version) => ({
      Procfile: "web: python3 -m http.server $PORT\nrelease: sh -c 'date > /app/released-at.txt'\n",
      'version.txt': `${version}\n`,
    }),
    path: '/version.txt',
    expectRelease: true,
  },
  {
    kind: 'web + worker',
    id: 'worker',
    procfile: 'web, worker',
    appJson:
      'formation web=2 worker=1, postdeploy, healthchecks (startup /health "ok"), env default, // comments',
    files: (version) => ({
      'package.json': packageJson('worker'),
      Procfile: 'web: node server.js\nworker: node worker.js\n',
      'app.json': WORKER_APP_JSON,
      'server.js': nodeServer(version, 'process.env.GREETING'),
      'worker.js': "setInterval(() => console.log('worker tick'), 5000);\n",
    }),
    processTypes: ['web', 'worker'],
  },
  {
    kind: 'python requirements.txt',
    id: 'py-req',
    procfile: 'web (tinyserve), release (touch /app/…)',
    appJson: '-',
    files: (version) => requirementsApp(version),
    python: true,
    expectRelease: true,
  },
  {
    kind: 'python pyproject.toml',
    id: 'py-proj',
    procfile: 'web (tinyserve)',
    appJson: '-',
    files: (version) => pyprojectApp(version),
    python: true,
  },
  {
    kind: 'node + git submodule',
    id: 'submodule',
    procfile: '-',
    appJson: '-',
    submodule: true,
    // The served text comes from the submodule's file, read at request time.
    files: (version) => ({
      'package.json': packageJson('modular'),
      'server.js': nodeServer(
        version,
        "require('node:fs').readFileSync('vendor/library/greeting.txt', 'utf8').trim()",
      ),
    }),
  },
  {
    kind: 'Go',
    id: 'go',
    procfile: 'web (bin/server)',
    appJson: '-',
    refused: true,
    files: (version) => ({
      'go.mod': 'module example.com/bench\n\ngo 1.22\n',
      'main.go': `package main\n\n// ${version}\nfunc main() {}\n`,
      Procfile: 'web: bin/server\n',
    }),
  },
  {
    kind: 'Dockerfile only',
    id: 'docker',
    procfile: '-',
    appJson: '-',
    refused: true,
    files: (version) => ({
      Dockerfile: `FROM node:20\n# ${version}\nCOPY server.js .\nCMD ["node", "server.js"]\n`,
      'server.js': nodeServer(version),
    }),
  },
];

/** The library repository the submodule kind vendors, with a file it serves, under `mirror`. */
export function createSubmoduleLibrary(mirror) {
  const library = join(mirror, 'library');
  commitFiles(library, { 'greeting.txt': 'from the submodule\n' }, 'library');
  return library;
}

/** Adds `library` at vendor/library to the repository at `dir`, as `git submodule add` does. */
export function addSubmodule(dir, library) {
  git(
    dir,
    '-c',
    'protocol.file.allow=always',
    'submodule',
    'add',
    '-q',
    `file://${library}`,
    'vendor/library',
  );
  git(dir, 'commit', '-qm', 'vendor the library');
}
