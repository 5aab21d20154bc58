// Builds, pushes and reads back one large layer in a process of its own, and prints the peak
// growth of its resident set: measured in a fresh process, nothing another test left behind
// (garbage not yet collected, say) is counted. Uses the compiled library (npm test builds first).
import oci from '../../dist/index.js';

const { LayoutImageStore, RegistryImageStore, buildImage, writeLayer } = oci;

const [src, work, layoutDir, registryUrl] = process.argv.slice(2);

async function countBytes(stream) {
  let total = 0;
  for await (const chunk of stream) total += chunk.length;
  return total;
}

async function main() {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  const layer = await writeLayer({ sourceDir: src, outDir: work, compressionLevel: 0 });
  const size = layer.descriptor.size;
  const image = buildImage({ layers: [layer] });
  const layout = new LayoutImageStore(layoutDir);
  const remote = new RegistryImageStore({ url: registryUrl, repository: 'acme/big' });
  await layout.push(image, { tags: ['big'] });
  await remote.push(image, { tags: ['big'] });
  const readRemote = await countBytes(await remote.openBlob(layer.descriptor.digest, size));
  const readLayout = await countBytes(await layout.openBlob(layer.descriptor.digest, size));
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  process.stdout.write(JSON.stringify({ size, readRemote, readLayout, growthMib: (peak - start) / 1048576 }));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
