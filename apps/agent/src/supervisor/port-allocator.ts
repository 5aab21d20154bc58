import { createServer } from 'node:net';

/**
 * Hands out $PORTs from the node's range: never one held by another instance of this agent,
 * and never one something else on the machine already listens on.
 */
export class PortAllocator {
  private readonly taken = new Set<number>();
  private next: number;

  constructor(private readonly range: { low: number; high: number }) {
    this.next = range.low;
  }

  /** Marks a port as held (an instance found again after a restart). */
  reserve(port: number): void {
    this.taken.add(port);
  }

  release(port: number): void {
    this.taken.delete(port);
  }

  async allocate(): Promise<number> {
    const size = this.range.high - this.range.low + 1;
    for (let tried = 0; tried < size; tried += 1) {
      const port = this.next;
      this.next = port >= this.range.high ? this.range.low : port + 1;
      if (this.taken.has(port) || !(await isFree(port))) continue;
      this.taken.add(port);
      return port;
    }
    throw new Error(`no free port left in ${this.range.low}-${this.range.high}`);
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}
