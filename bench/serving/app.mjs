// The app every figure is measured on: bench/build's app (Node.js, one npm dependency, `ms`, pinned
// by a lockfile written there), with a server.js that answers with its version.
import { commitSourceChange, createAppRepository } from '../build/bench-app.mjs';

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
  createAppRepository(dir, { serverJs: server(app, version), message: version });
}

/** Commits `version` of server.js only: the lockfile stays as it was. */
export function commitVersion(dir, app, version) {
  commitSourceChange(dir, version, server(app, version));
}
