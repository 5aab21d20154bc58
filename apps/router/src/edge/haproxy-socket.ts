import { connect } from 'node:net';

const COMMAND_TIMEOUT_MS = 5_000;

/** HAProxy's answer to a command it refused (unknown name, wrong state, bad syntax). */
export class HaproxyCommandError extends Error {
  constructor(
    readonly command: string,
    readonly answer: string,
  ) {
    super(`haproxy refused "${command}": ${answer.trim().split('\n')[0]}`);
  }
}

/**
 * HAProxy's runtime API (the `stats socket`), one connection per command: in this non-interactive
 * mode HAProxy answers and closes, so an answer is everything read until the close.
 */
export class HaproxySocket {
  constructor(private readonly path: string) {}

  /** The command's output; rejects if the socket cannot be reached or answers nothing in time. */
  send(command: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = connect(this.path);
      socket.setTimeout(COMMAND_TIMEOUT_MS, () =>
        socket.destroy(new Error(`haproxy did not answer "${command}" within ${COMMAND_TIMEOUT_MS} ms`)),
      );
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.once('error', reject);
      socket.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.end(`${command}\n`);
    });
  }

  /**
   * A command that changes state; rejects with {@link HaproxyCommandError} unless HAProxy's answer
   * is one of those that mean success (most answer nothing at all).
   */
  async apply(command: string, success: RegExp = /^\s*$/): Promise<void> {
    const answer = await this.send(command);
    if (!success.test(answer)) throw new HaproxyCommandError(command, answer);
  }
}
