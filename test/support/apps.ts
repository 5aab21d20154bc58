import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { git } from '@nimbus/testing';

/**
 * A small web app that answers with its version and the instance it runs on, logs each request,
 * and shuts down gracefully on SIGTERM (closing its server, finishing what is in flight).
 */
export function webApp(version: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'package.json': JSON.stringify({ name: 'hello', version: '1.0.0', scripts: { start: 'node server.js' } }),
    'server.js': `const http = require('node:http');
const server = http.createServer((request, response) => {
  if (request.url === '/log') console.log('hello from', process.env.NIMBUS_INSTANCE);
  response.end(JSON.stringify({ version: ${JSON.stringify(version)}, instance: process.env.NIMBUS_INSTANCE, release: process.env.NIMBUS_RELEASE }));
});
server.keepAliveTimeout = 2000;
server.listen(Number(process.env.PORT), () => console.log('listening on', process.env.PORT));
process.on('SIGTERM', () => { console.log('bye'); server.close(() => process.exit(0)); server.closeIdleConnections(); });
`,
    ...extra,
  };
}

/** Commits `files` into the repository at `dir` (creating it on first use). */
export async function commit(dir: string, files: Record<string, string>, message = 'change'): Promise<void> {
  await git(join(dir, '..'), 'init', '-q', dir);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), content);
  }
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-qm', message);
}
