import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry } from '@nimbus/cluster';
import { LogTailer, splitLines, type LogTailerOptions, type TailPosition } from './log-tailer';

describe(LogTailer.name, () => {
  let dir: string;
  let stdoutPath: string;
  let stderrPath: string;
  const tailers: LogTailer[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nimbus-log-tailer-'));
    stdoutPath = join(dir, 'stdout.log');
    stderrPath = join(dir, 'stderr.log');
  });
  afterEach(async () => {
    await Promise.all(tailers.splice(0).map((tailer) => tailer.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  /** A started tailer collecting what it delivers, batch by batch, and the last position it reported. */
  const tail = (options: Partial<LogTailerOptions> = {}) => {
    const received: LogEntry[] = [];
    const batchSizes: number[] = [];
    const saved: { position: TailPosition | null } = { position: null };
    const tailer = new LogTailer({
      instanceId: 'i-1',
      stdoutPath,
      stderrPath,
      pollIntervalMs: 10,
      onBatch: (entries, position) => {
        received.push(...entries);
        batchSizes.push(entries.length);
        saved.position = position;
      },
      ...options,
    });
    tailers.push(tailer);
    tailer.start();
    return { tailer, received, batchSizes, saved };
  };

  const lines = (entries: LogEntry[], stream?: LogEntry['stream']) =>
    entries.filter((entry) => !stream || entry.stream === stream).map((entry) => entry.line);

  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('not delivered in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('should deliver the lines of both files as they are appended, holding back an unfinished one', async () => {
    const { received } = tail();
    await writeFile(stdoutPath, 'one\ntwo\r\npart');
    await writeFile(stderrPath, 'oops\n');

    await until(() => received.length === 3);
    await appendFile(stdoutPath, 'ial\n');
    await until(() => received.length === 4);

    expect(lines(received, 'stdout')).toEqual(['one', 'two', 'partial']);
    expect(lines(received, 'stderr')).toEqual(['oops']);
    expect(received[0]).toEqual({ instanceId: 'i-1', stream: 'stdout', line: 'one', at: expect.any(Number) });
  });

  it('should wait for files that do not exist yet', async () => {
    const { received } = tail();
    await new Promise((resolve) => setTimeout(resolve, 50));

    await writeFile(stderrPath, 'late\n');

    await until(() => received.length === 1);
    expect(lines(received)).toEqual(['late']);
  });

  it('should resume from a saved position, neither losing nor repeating a line', async () => {
    await writeFile(stdoutPath, 'a\nb\n');
    await writeFile(stderrPath, 'x\n');
    const first = tail();
    await until(() => first.received.length === 3);
    await first.tailer.stop();
    await appendFile(stdoutPath, 'c\n');
    await appendFile(stderrPath, 'y\n');

    const second = tail({ from: first.saved.position ?? {} });
    await until(() => second.received.length === 2);
    await second.tailer.stop();

    expect(lines(second.received).sort()).toEqual(['c', 'y']);
    expect(second.tailer.position).toEqual({ stdout: 6, stderr: 4 });
  });

  it('should deliver the same lines again when a batch could not be shipped', async () => {
    await writeFile(stdoutPath, 'a\nb\n');
    const attempts: string[][] = [];
    const errors: Error[] = [];
    const { tailer } = tail({
      onBatch: (entries) => {
        attempts.push(lines(entries));
        if (attempts.length === 1) throw new Error('log service down');
      },
      onError: (error) => errors.push(error),
    });

    await until(() => attempts.length === 2);

    expect(attempts).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(errors.map((error) => error.message)).toEqual(['log service down']);
    await until(() => tailer.position.stdout === 4);
  });

  it('should deliver in batches of at most the batch size, in order', async () => {
    await writeFile(stdoutPath, 'l1\nl2\nl3\nl4\nl5\n');
    const { received, batchSizes } = tail({ maxBatchEntries: 2 });

    await until(() => received.length === 5);

    expect(lines(received)).toEqual(['l1', 'l2', 'l3', 'l4', 'l5']);
    expect(batchSizes).toEqual([2, 2, 1]);
  });

  it('should deliver an unfinished last line when stopped with flush (the instance has ended)', async () => {
    await writeFile(stdoutPath, 'done\nno newline');
    const { tailer, received } = tail();
    await until(() => received.length === 1);

    await tailer.stop({ flush: true });

    expect(lines(received)).toEqual(['done', 'no newline']);
  });

  it('should start over when a file was truncated', async () => {
    await writeFile(stdoutPath, 'old line\n');
    const { received } = tail();
    await until(() => received.length === 1);

    await writeFile(stdoutPath, 'new\n');

    await until(() => received.length === 2);
    expect(lines(received)).toEqual(['old line', 'new']);
  });
});

describe(splitLines.name, () => {
  it('should cut lines over the cap into pieces at character boundaries', () => {
    const line = 'é'.repeat(40);

    const { lines, consumed } = splitLines(Buffer.from(`${line}\nnext\n`), 25, 100, false);

    expect(lines.slice(0, -1).join('')).toBe(line);
    expect(lines.at(-1)).toBe('next');
    expect(lines.every((piece) => Buffer.byteLength(piece) <= 25 && !piece.includes('\uFFFD'))).toBe(true);
    expect(consumed).toBe(Buffer.byteLength(`${line}\nnext\n`));
  });

  it('should hold back an unfinished line unless it is over the cap or final', () => {
    expect(splitLines(Buffer.from('a\nbc'), 10, 100, false)).toEqual({ lines: ['a'], consumed: 2 });
    expect(splitLines(Buffer.from('a\nbc'), 10, 100, true)).toEqual({ lines: ['a', 'bc'], consumed: 4 });
    expect(splitLines(Buffer.from('abcdefgh'), 3, 100, false)).toEqual({
      lines: ['abc', 'def'],
      consumed: 6,
    });
  });

  it('should stop at the limit and consume only what it returns', () => {
    expect(splitLines(Buffer.from('a\nb\nc\n'), 10, 2, false)).toEqual({ lines: ['a', 'b'], consumed: 4 });
  });

  it('should keep empty lines', () => {
    expect(splitLines(Buffer.from('\n\nx\n'), 10, 100, false)).toEqual({ lines: ['', '', 'x'], consumed: 4 });
  });
});
