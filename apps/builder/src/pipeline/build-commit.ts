import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  appJsonEnvDefaults,
  appJsonReadinessPaths,
  planBuild,
  UnsupportedAppError,
  type BuildPlan,
  type StackName,
} from '@nimbus/domain';
import {
  PROCESS_TYPES_LABEL,
  READINESS_PATHS_LABEL,
  buildImage,
  encodeProcessTypes,
  writeLayer,
  type Digest,
  type ImageStore,
  type LayerBlob,
} from '@nimbus/oci';
import { runCommand, type RunLimits } from '@nimbus/sandbox';
import { stepRunner, type StepRunner } from './step-runner';
import { NodeModulesCache } from './dependency-cache';
import { readRepositoryFacts } from './repository-facts';

const STATIC_SERVER = resolve(__dirname, '../../stack/static-server.mjs');
const APP_DIR = '/app';

/** Raised for anything the pusher must fix; its message is shown to them as is. */
export class BuildFailedError extends Error {}

export interface BuildCommitOptions {
  /** The commit's tree as a tar archive (`git archive`), and the commit it came from. */
  source: string;
  commit: string;
  /** Scratch space for this build; removed afterwards. */
  scratchDir: string;
  /** Kept between this app's builds: its dependency cache. */
  cacheDir: string;
  /**
   * Package managers' download caches, shared by all apps (content-addressed and checked on
   * read, so one app cannot slip another a different package); the app's own by default.
   */
  packageCacheDir?: string;
  store: ImageStore;
  /** Environment for build steps (the app's config, say); PATH and HOME are set here. */
  env?: Record<string, string>;
  limits: RunLimits;
  /** How steps run (see `stepRunner`); unconfined process groups by default. */
  runStep?: StepRunner;
  /** Build output for the pusher, one line at a time. */
  log: (line: string) => void;
  /**
   * Runs once the image is stored, while the built tree still exists at `appDir` (the release
   * phase runs there); what it throws fails the build.
   */
  afterImage?: (image: BuiltImage, appDir: string) => Promise<void>;
}

export interface BuiltImage {
  digest: Digest;
  stack: StackName;
  processTypes: Record<string, string>;
  /** The Procfile's `release` command, run once before the release goes live. */
  release: string | null;
  /** Compressed size of the image's layers. */
  sizeBytes: number;
  /** The environment the image sets (stack defaults and app.json's), which instances start from. */
  env: Record<string, string>;
}

const STACK_NAMES: Record<StackName, string> = {
  node: 'Node.js app',
  python: 'Python app',
  static: 'Static site',
  procfile: 'Procfile app',
};

const IMAGE_ENV: Record<StackName, Record<string, string>> = {
  node: { NODE_ENV: 'production', PATH: `${APP_DIR}/node_modules/.bin:/usr/local/bin:/usr/bin:/bin` },
  python: { PATH: `${APP_DIR}/.venv/bin:/usr/local/bin:/usr/bin:/bin`, PYTHONUNBUFFERED: '1' },
  static: { PATH: '/usr/local/bin:/usr/bin:/bin' },
  procfile: { PATH: '/usr/local/bin:/usr/bin:/bin' },
};

/**
 * Turns one commit into an OCI image in the store: check out, detect the stack, install and
 * build in the sandbox (restoring dependencies when the lockfile is unchanged), and write the
 * app as a layer at /app with its process types in the image's labels.
 */
export async function buildCommit(options: BuildCommitOptions): Promise<BuiltImage> {
  const { log } = options;
  await mkdir(options.scratchDir, { recursive: true });
  const work = await mkdtemp(join(options.scratchDir, 'build-'));
  const app = join(work, 'app');
  try {
    await mkdir(app);
    await checkout(options, app);
    const facts = await readRepositoryFacts(app).catch((error: Error) => {
      throw new BuildFailedError(error.message);
    });
    let plan: BuildPlan;
    try {
      plan = planBuild(facts);
    } catch (error) {
      if (error instanceof UnsupportedAppError) throw new BuildFailedError(error.message);
      throw error;
    }
    log(`-----> ${STACK_NAMES[plan.stack]} detected`);
    for (const warning of plan.warnings) log(` !     ${warning}`);

    const home = join(work, 'home');
    await mkdir(home);
    const packageCache = options.packageCacheDir ?? join(options.cacheDir, 'packages');
    await mkdir(packageCache, { recursive: true });
    const runStep = options.runStep ?? stepRunner(null);
    const env = {
      ...options.env,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      CI: 'true',
      npm_config_cache: join(packageCache, 'npm'),
      PIP_CACHE_DIR: join(packageCache, 'pip'),
    };
    const cache = new NodeModulesCache(join(options.cacheDir, 'node_modules'));
    const cacheKey = plan.stack === 'node' ? await cache.keyFor(app) : null;
    const installSteps = new Set(['npm ci', 'npm install']);
    let restored = false;
    if (cacheKey && (await cache.restore(cacheKey, app))) {
      restored = true;
      log('-----> Restoring cached dependencies (lockfile unchanged)');
    }
    for (const step of plan.steps) {
      if (restored && installSteps.has(step.name)) continue;
      log(`-----> ${step.name}`);
      const result = await runStep({
        command: step.command,
        cwd: app,
        env,
        writable: [work, packageCache],
        limits: options.limits,
        onLine: (line) => log(`       ${line}`),
      });
      if (result.timedOut)
        throw new BuildFailedError(`${step.name} took longer than ${options.limits.timeoutMs / 1000}s`);
      if (result.oomKilled) throw new BuildFailedError(`${step.name} ran out of memory`);
      if (result.exitCode !== 0)
        throw new BuildFailedError(`${step.name} failed (exit ${result.exitCode ?? result.signal})`);
      if (cacheKey && !restored && installSteps.has(step.name)) await cache.save(cacheKey, app);
    }

    log('-----> Writing image');
    const image = await writeImage(options, work, app, plan, {
      env: facts.appJson ? appJsonEnvDefaults(facts.appJson) : {},
      readinessPaths: facts.appJson ? appJsonReadinessPaths(facts.appJson) : {},
    });
    const types = Object.keys(plan.processes).join(', ');
    log(`-----> Process types: ${types}`);
    log(`-----> Image ${image.digest} (${formatSize(image.sizeBytes)})`);
    await options.afterImage?.(image, app);
    return image;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function checkout({ source, commit, limits }: BuildCommitOptions, dir: string): Promise<void> {
  const result = await runCommand({
    command: ['tar', '-x', '--no-same-owner', '-f', source, '-C', dir],
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    limits: { timeoutMs: limits.timeoutMs },
  });
  if (result.exitCode !== 0)
    throw new BuildFailedError(`could not unpack the source of ${commit.slice(0, 7)}`);
}

async function writeImage(
  options: BuildCommitOptions,
  work: string,
  app: string,
  plan: BuildPlan,
  fromAppJson: { env: Record<string, string>; readinessPaths: Record<string, string> },
): Promise<BuiltImage> {
  const layers: LayerBlob[] = [];
  if (plan.stack === 'static') {
    const stack = join(work, 'stack');
    await mkdir(stack);
    await copyFile(STATIC_SERVER, join(stack, 'static-server.mjs'));
    layers.push(
      await writeLayer({
        sourceDir: stack,
        outDir: join(work, 'layers'),
        targetDir: '/nimbus',
        createdBy: 'nimbus: static server',
      }),
    );
  }
  layers.push(
    await writeLayer({
      sourceDir: app,
      outDir: join(work, 'layers'),
      targetDir: APP_DIR,
      createdBy: `nimbus build ${options.commit}`,
    }),
  );
  const env = { ...fromAppJson.env, ...IMAGE_ENV[plan.stack] };
  const image = buildImage({
    layers,
    env,
    workingDir: APP_DIR,
    labels: {
      [PROCESS_TYPES_LABEL]: encodeProcessTypes(plan.processes),
      'org.opencontainers.image.revision': options.commit,
      'dev.nimbus.stack': plan.stack,
      ...(Object.keys(fromAppJson.readinessPaths).length
        ? { [READINESS_PATHS_LABEL]: JSON.stringify(fromAppJson.readinessPaths) }
        : {}),
    },
    annotations: { 'org.opencontainers.image.revision': options.commit },
  });
  const digest = await options.store.push(image, { tags: [options.commit] });
  return {
    digest,
    stack: plan.stack,
    processTypes: plan.processes,
    release: plan.release,
    sizeBytes: layers.reduce((total, layer) => total + layer.descriptor.size, 0),
    env,
  };
}

/** 3.4 KiB, 12.5 MiB: images of static sites are tiny, those of apps with dependencies are not. */
function formatSize(bytes: number): string {
  return bytes < 1_048_576 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1_048_576).toFixed(1)} MiB`;
}
