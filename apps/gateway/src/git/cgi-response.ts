import type { Readable } from 'node:stream';

export interface CgiHead {
  status: number;
  headers: [string, string][];
  /** Bytes read past the blank line: the start of the body. */
  rest: Buffer;
}

const END_OF_HEADERS = Buffer.from('\r\n\r\n');

/**
 * Reads a CGI response's header block (RFC 3875 §6) from a stream, leaving the body to be piped.
 * Hand-written because it is twenty lines and the npm CGI packages are unmaintained; `git
 * http-backend` always ends its headers with CRLF CRLF.
 */
export function readCgiHead(stdout: Readable, limit = 64 * 1024): Promise<CgiHead> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf(END_OF_HEADERS);
      if (end < 0) {
        if (buffered.length > limit) finish(new Error('CGI header block too large'));
        return;
      }
      const headers: [string, string][] = [];
      let status = 200;
      for (const line of buffered.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
        else headers.push([name, value]);
      }
      finish(null, { status, headers, rest: buffered.subarray(end + END_OF_HEADERS.length) });
    };
    const onEnd = () => finish(new Error('CGI program ended before its headers'));
    const finish = (error: Error | null, head?: CgiHead) => {
      stdout.off('data', onData);
      stdout.off('end', onEnd);
      stdout.off('error', finish);
      stdout.pause();
      if (error) reject(error);
      else resolve(head as CgiHead);
    };
    stdout.on('data', onData);
    stdout.once('end', onEnd);
    stdout.once('error', finish);
  });
}
