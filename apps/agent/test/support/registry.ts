import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './test-image';

/** A docker-registry (distribution v2) on a loopback port with its storage in `root`. */
export async function startRegistry(root: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const config = join(root, 'registry.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(root, 'data')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: nimbus-agent-test',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/v2/`)).ok) return { url, stop };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry did not start on ${url}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
