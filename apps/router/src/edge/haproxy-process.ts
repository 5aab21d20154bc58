import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import type { Logger } from '@nimbus/logging';
import type { HaproxySocket } from './haproxy-socket';

const START_TIMEOUT_MS = 10_000;
const RESTART_DELAY_MS = 1_000;
const KILL_GRACE_MS = 2_000;

export interface HaproxyProcessOptions {
  binary: string;
  /** util-linux's setpriv, where there is one. */
  setpriv: string | undefined;
  configPath: string;
  socket: HaproxySocket;
  /** Where HAProxy's standard output goes: the access log, when it writes one. */
  accessLog: Writable;
  logger: Logger;
  /** Called once a restarted HAProxy answers again: it came back empty and must be programmed. */
  onRestart: () => void;
}

/** `[ALERT]    (123) : config : …` → the level and the message. */
function parseDiagnostic(line: string): { level: 'error' | 'warn' | 'info' | 'debug'; message: string } {
  const match = /^\[(\w+)\]\s+\(\d+\)\s*:\s*(.*)$/.exec(line);
  if (!match) return { level: 'info', message: line };
  const tag = match[1] as string;
  const message = match[2] as string;
  // The echo of the router's own commands (a server added, up, in maintenance) and of a stop
  // (one line per backend): HAProxy says them as warnings, they are routine here.
  if (/^CLI : |^Proxy \S+ stopped|^Stopping (proxy|backend|frontend)/.test(message))
    return { level: 'debug', message };
  const level = tag === 'ALERT' || tag === 'EMERG' ? 'error' : tag === 'WARNING' ? 'warn' : 'info';
  return { level, message };
}

/**
 * HAProxy as a child of the router: started in the foreground, restarted if it dies, stopped
 * gracefully (soft stop: it stops accepting and lets what is in flight finish).
 */
export class HaproxyProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  constructor(private readonly options: HaproxyProcessOptions) {}

  /** Resolves once HAProxy answers on its runtime socket; rejects with its own words otherwise. */
  async start(): Promise<void> {
    // A router that crashes must not leave an HAProxy holding its port.
    process.once('exit', this.killOnExit);
    await this.spawn();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Soft stop, up to `graceMs`; then the connections still open are cut. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    process.off('exit', this.killOnExit);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGUSR1');
    const soft = await Promise.race([exited.then(() => true), sleep(graceMs, false, { ref: false })]);
    if (soft) return;
    this.options.logger.warn('edge: drain timeout, closing the connections still open');
    child.kill('SIGTERM');
    const terminated = await Promise.race([
      exited.then(() => true),
      sleep(KILL_GRACE_MS, false, { ref: false }),
    ]);
    if (!terminated) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  private async spawn(): Promise<void> {
    const { binary, configPath, logger } = this.options;
    // setpriv (util-linux) makes the kernel stop HAProxy when the router dies, even by SIGKILL,
    // which no exit handler sees: otherwise an orphan would hold the port a new router needs.
    const argv = ['-db', '-f', configPath];
    const child = this.options.setpriv
      ? spawn(this.options.setpriv, ['--pdeathsig', 'SIGTERM', '--', binary, ...argv], {
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(binary, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const diagnostics: string[] = [];
    child.stdout?.pipe(this.options.accessLog, { end: false });
    let partial = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        diagnostics.push(line);
        const { level, message } = parseDiagnostic(line);
        logger[level]({ haproxy: message }, 'edge: haproxy says');
      }
    });
    const failed = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) =>
        reject(
          new Error(
            `haproxy exited (${code ?? signal}) while starting: ${diagnostics.slice(-5).join(' | ')}`,
          ),
        ),
      );
    });
    try {
      await Promise.race([failed, this.waitForSocket(child)]);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    } finally {
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
    }
    child.on('error', (error) => logger.error({ err: error.message }, 'edge: haproxy process error'));
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      logger.error({ code, signal }, 'edge: haproxy exited; restarting it');
      void this.restart();
    });
    logger.info({ haproxyPid: child.pid }, 'edge: haproxy started');
  }

  private async restart(): Promise<void> {
    while (!this.stopping) {
      await sleep(RESTART_DELAY_MS, undefined, { ref: false });
      if (this.stopping) return;
      try {
        await this.spawn();
        this.options.onRestart();
        return;
      } catch (error) {
        this.options.logger.error({ err: (error as Error).message }, 'edge: haproxy restart failed');
      }
    }
  }

  /** Until the socket answers, or `child` has exited (then nothing is left polling). */
  private async waitForSocket(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (child.exitCode === null && child.signalCode === null) {
      try {
        await this.options.socket.send('show info');
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`haproxy's runtime socket did not answer: ${(error as Error).message}`);
        await sleep(20);
      }
    }
  }
}
