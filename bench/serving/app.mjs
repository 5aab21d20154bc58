// The app every figure is measured on: Node.js, one npm dependency (`ms`) pinned by a lockfile,
// answering with its version. The lockfile is written here, so the app is the same on every run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from '../build/bench-app.mjs';

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

/**
 * Answers `{"app", "version", "release", "uptime"}` and when its node process started and began
 * to listen (epoch ms: where an instance's boot time goes); the app's name is in the source, so
 * no two apps share an image. It stops gracefully on SIGTERM, as a rolling update expects.
 */
const server = (app, version) => `const http = require('node:http');
const ms = require('ms');
let listeningAt = null;
const server = http.createServer((request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify({
    app: ${JSON.stringify(app)},
    version: ${JSON.stringify(version)},
    release: process.env.NIMBUS_RELEASE,
    uptime: ms(Date.now() - performance.timeOrigin),
    processStartedAt: Math.round(performance.timeOrigin),
    listeningAt,
  }));
});
server.keepAliveTimeout = 2000;
server.listen(Number(process.env.PORT), () => (listeningAt = Date.now()));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
`;

/** A new repository at `dir` holding `app` at `version` in one commit on main. */
export function createApp(dir, app, version) {
  git(process.cwd(), 'init', '-q', dir);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(PACKAGE_JSON, null, 2)}\n`);
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(PACKAGE_LOCK, null, 2)}\n`);
  writeFileSync(join(dir, 'server.js'), server(app, version));
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', version);
}

/** Commits `version` of server.js only: the lockfile stays as it was. */
export function commitVersion(dir, app, version) {
  writeFileSync(join(dir, 'server.js'), server(app, version));
  git(dir, 'commit', '-qam', version);
}
