/**
 * Keys waiting to be reconciled, each at most once however often it is woken (Kubernetes'
 * workqueue in miniature): wake-ups only say "look again", so duplicates carry nothing.
 */
export class WorkQueue {
  private readonly waiting = new Set<string>();
  /** Taken before anything in `waiting`: a request held at zero must not wait for a resync's backlog. */
  private readonly urgent = new Set<string>();
  private wake: (() => void) | null = null;
  private closed = false;

  add(key: string): void {
    this.waiting.add(key);
    this.wake?.();
  }

  /** Queues `key` ahead of every key added with `add`. */
  addUrgent(key: string): void {
    this.waiting.delete(key);
    this.urgent.add(key);
    this.wake?.();
  }

  addAfter(key: string, delayMs: number): void {
    setTimeout(() => this.add(key), Math.max(0, delayMs)).unref();
  }

  /** The next key, waiting for one if there is none; null once closed. */
  async take(): Promise<string | null> {
    while (this.waiting.size === 0 && this.urgent.size === 0 && !this.closed)
      await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
    if (this.closed) return null;
    const from = this.urgent.size > 0 ? this.urgent : this.waiting;
    const [key] = from;
    from.delete(key as string);
    return key as string;
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }
}
