import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

const OWN_DIR = /^builder-(\d+)$/;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * This process's scratch directory under `root`, after removing those of builders on this
 * machine that are gone: a killed builder cannot clean up after itself, and its half-built
 * trees (node_modules and all) would otherwise pile up.
 */
export async function claimScratch(root: string): Promise<string> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  for (const entry of await readdir(root)) {
    const pid = Number(OWN_DIR.exec(entry)?.[1]);
    if (pid && pid !== process.pid && !alive(pid))
      await rm(join(root, entry), { recursive: true, force: true });
  }
  const own = join(root, `builder-${process.pid}`);
  await mkdir(own, { recursive: true, mode: 0o700 });
  return own;
}
