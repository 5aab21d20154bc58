import { join } from 'node:path';
import { LayoutImageStore, RegistryImageStore, buildImage, writeLayer } from './index';
import { cleanupTempDirs, tempDir } from './spec-support/fixtures';
import { startRegistry, type TestRegistry } from './spec-support/registry';
import { requireTool, run } from './spec-support/tools';

const FILE_MIB = 256;
const ALLOWED_GROWTH_MIB = 96;

/** Runs `work` while sampling the resident set; returns the peak growth in MiB over the start. */
async function peakGrowthMib(work: () => Promise<void>): Promise<number> {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return (Math.max(peak, process.memoryUsage.rss()) - start) / 1024 / 1024;
}

async function countBytes(stream: NodeJS.ReadableStream): Promise<number> {
  let total = 0;
  for await (const chunk of stream) total += (chunk as Buffer).length;
  return total;
}

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
    const layout = new LayoutImageStore(await tempDir('layout'));
    const remote = new RegistryImageStore({ url: registry.url, repository: 'acme/big' });
    let size = 0;
    const growth = await peakGrowthMib(async () => {
      const layer = await writeLayer({ sourceDir: src, outDir: await tempDir('work'), compressionLevel: 0 });
      size = layer.descriptor.size;
      const image = buildImage({ layers: [layer] });
      await layout.push(image, { tags: ['big'] });
      await remote.push(image, { tags: ['big'] });
      expect(await countBytes(await remote.openBlob(layer.descriptor.digest, size))).toBe(size);
      expect(await countBytes(await layout.openBlob(layer.descriptor.digest, size))).toBe(size);
    });
    expect(size).toBeGreaterThan(FILE_MIB * 1024 * 1024);
    expect(growth).toBeLessThan(ALLOWED_GROWTH_MIB);
  }, 120_000);
});
