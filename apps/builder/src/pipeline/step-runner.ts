import { runCommand, runInContainer, type RunLimits, type RunResult } from '@nimbus/sandbox';

/** Where an app lives in its image, and so where it is built and where its release phase runs. */
export const APP_DIR = '/app';

export interface StepOptions {
  command: string[];
  /** The app's tree on this host: the step's working directory and $HOME, seen at `appPath`. */
  appDir: string;
  /** The environment, less HOME (the app's directory, as on Heroku). */
  env: Record<string, string>;
  /** Host directories (caches) the step may change besides the app, at the same paths. */
  writable: string[];
  limits: RunLimits;
  onLine?: (line: string) => void;
}

/** Runs one build step or release command on the app's tree. */
export interface StepRunner {
  /** The app's directory as steps see it: absolute paths under it are what the image will hold. */
  readonly appPath: (appDir: string) => string;
  run(options: StepOptions): Promise<RunResult>;
}

export interface ContainerSandbox {
  /** The unprivileged identity build steps run as. */
  user: { uid: number; gid: number };
  /** runc's state directory for this builder. */
  stateDir: string;
  /** Where container bundles are made: the builder's scratch, cleaned up if the builder dies. */
  bundleDir?: string;
}

/**
 * Build steps run the app's own code: in a runc container (own pid, mount, ipc and uts
 * namespaces, read-only root, no capabilities, an unprivileged user) with the app's tree at /app
 * where the host has runc — so what tools bake into files (a virtualenv's script shebangs, say)
 * names the path the app runs at — otherwise as a process group in the tree itself, under the
 * same time, memory and process limits.
 */
export function stepRunner(sandbox: ContainerSandbox | null): StepRunner {
  if (!sandbox)
    return {
      appPath: (appDir) => appDir,
      run: ({ command, appDir, env, limits, onLine }) =>
        runCommand({ command, cwd: appDir, env: { ...env, HOME: appDir }, limits, onLine }),
    };
  return {
    appPath: () => APP_DIR,
    run: ({ command, appDir, env, writable, limits, onLine }) =>
      runInContainer({
        command,
        cwd: APP_DIR,
        env: { ...env, HOME: APP_DIR },
        binds: [{ source: appDir, destination: APP_DIR }],
        writable,
        limits,
        onLine,
        user: sandbox.user,
        stateDir: sandbox.stateDir,
        ...(sandbox.bundleDir ? { bundleDir: sandbox.bundleDir } : {}),
      }),
  };
}
