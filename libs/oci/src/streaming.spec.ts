import { join } from 'node:path';
import { cleanupTempDirs, tempDir } from './spec-support/fixtures';
import { startRegistry, type TestRegistry, requireTool, run, runJson } from '@nimbus/testing';

const FILE_MIB = 256;
const ALLOWED_GROWTH_MIB = 96;
const PROBE = join(__dirname, 'spec-support/large-layer-probe.mjs');

describe('large layers', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    requireTool('head', 'coreutils');
    requireTool('sh', 'dash');
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
    await cleanupTempDirs();
  });

  it(`should build, push and read a ${FILE_MIB} MiB layer without holding it in memory`, async () => {
    const src = await tempDir('big');
    // Random bytes, and gzip level 0: the blob is as large as the file, and gzip costs no time.
    await run('sh', ['-c', `head -c ${FILE_MIB}M /dev/urandom > "$1"`, 'sh', join(src, 'blob.bin')]);
    const result = await runJson<{ size: number; readRemote: number; readLayout: number; growthMib: number }>(
      process.execPath,
      [PROBE, src, await tempDir('work'), await tempDir('layout'), registry.url],
    );
    expect(result.size).toBeGreaterThan(FILE_MIB * 1024 * 1024);
    expect(result.readRemote).toBe(result.size);
    expect(result.readLayout).toBe(result.size);
    expect(result.growthMib).toBeLessThan(ALLOWED_GROWTH_MIB);
  }, 120_000);
});
