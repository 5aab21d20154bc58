import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  appJsonEnvDefaults,
  appJsonHealthChecks,
  encodeHealthChecks,
  type HttpCheck,
  planBuild,
  UnsupportedAppError,
  type BuildPlan,
  type StackName,
} from '@nimbus/domain';
import {
  PROCESS_TYPES_LABEL,
  HEALTH_CHECKS_LABEL,
  FORMATION_LABEL,
  POSTDEPLOY_LABEL,
  buildImage,
  encodeProcessTypes,
  writeLayer,
  type Digest,
  type ImageStore,
  type LayerBlob,
} from '@nimbus/oci';
import { runCommand, type RunLimits } from '@nimbus/sandbox';
import { APP_DIR, stepRunner, type StepRunner } from './step-runner';
import { cachedInstallFor } from './dependency-cache';
import { readRepositoryFacts } from './repository-facts';
import { appJsonDeployFacts, type DeployFacts } from './app-json-deploy';

const STATIC_SERVER = resolve(__dirname, '../../stack/static-server.mjs');

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
  /** app.json's formation and postdeploy script, for the app's first deploy. */
  formation: DeployFacts['formation'];
  postdeploy: string | null;
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
 * build at /app in the sandbox (restoring dependencies when what they depend on is unchanged),
 * and write the app as a layer at /app with its process types in the image's labels.
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
    log(`-----> ${STACK_NAMES[plan.stack]} detected (${plan.detectedFrom.join(', ')})`);
    for (const warning of plan.warnings) log(` !     ${warning}`);

    const packageCache = options.packageCacheDir ?? join(options.cacheDir, 'packages');
    await mkdir(packageCache, { recursive: true });
    const runStep = options.runStep ?? stepRunner(null);
    const env = {
      ...options.env,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      CI: 'true',
      npm_config_cache: join(packageCache, 'npm'),
      PIP_CACHE_DIR: join(packageCache, 'pip'),
    };
    const cached = await cachedInstallFor(plan, app, options.cacheDir);
    const restored = cached ? await cached.cache.restore(cached.key, app) : false;
    if (cached && restored) log(`-----> Restoring cached dependencies (${cached.cache.tree})`);
    for (const step of plan.steps) {
      if (restored && cached?.skipped.has(step.name)) continue;
      log(`-----> ${step.name}`);
      const result = await runStep.run({
        command: step.command,
        appDir: app,
        env,
        writable: [packageCache],
        limits: options.limits,
        onLine: (line) => log(`       ${line}`),
      });
      if (result.timedOut)
        throw new BuildFailedError(`${step.name} took longer than ${options.limits.timeoutMs / 1000}s`);
      if (result.oomKilled) throw new BuildFailedError(`${step.name} ran out of memory`);
      if (result.exitCode !== 0)
        throw new BuildFailedError(`${step.name} failed (exit ${result.exitCode ?? result.signal})`);
      if (cached && !restored && step.name === cached.saveAfter) await cached.cache.save(cached.key, app);
    }

    let deploy: DeployFacts;
    try {
      deploy = appJsonDeployFacts(facts.appJson, plan.processes, log);
    } catch (error) {
      throw new BuildFailedError((error as Error).message);
    }
    log('-----> Writing image');
    const image = await writeImage(options, work, app, plan, {
      env: facts.appJson ? appJsonEnvDefaults(facts.appJson) : {},
      healthChecks: facts.appJson ? appJsonHealthChecks(facts.appJson) : {},
      ...deploy,
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
  fromAppJson: { env: Record<string, string>; healthChecks: Record<string, HttpCheck> } & DeployFacts,
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
      ...(Object.keys(fromAppJson.healthChecks).length
        ? { [HEALTH_CHECKS_LABEL]: encodeHealthChecks(fromAppJson.healthChecks) }
        : {}),
      ...(Object.keys(fromAppJson.formation).length
        ? { [FORMATION_LABEL]: JSON.stringify(fromAppJson.formation) }
        : {}),
      ...(fromAppJson.postdeploy !== null ? { [POSTDEPLOY_LABEL]: fromAppJson.postdeploy } : {}),
    },
    annotations: { 'org.opencontainers.image.revision': options.commit },
  });
  const digest = await options.store.push(image, { tags: [options.commit] });
  return {
    digest,
    stack: plan.stack,
    processTypes: plan.processes,
    release: plan.release,
    formation: fromAppJson.formation,
    postdeploy: fromAppJson.postdeploy,
    sizeBytes: layers.reduce((total, layer) => total + layer.descriptor.size, 0),
    env,
  };
}

/** 3.4 KiB, 12.5 MiB: images of static sites are tiny, those of apps with dependencies are not. */
function formatSize(bytes: number): string {
  return bytes < 1_048_576 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1_048_576).toFixed(1)} MiB`;
}
