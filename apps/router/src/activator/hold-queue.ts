/**
 * The requests held for one app, oldest first, at most `capacity` of them. Any entry may leave
 * early (its client gave up) in constant time: a Set keeps insertion order and deletes in O(1).
 */
export class HoldQueue<T> {
  private readonly entries = new Set<T>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** Adds `entry` at the back; false, leaving the queue as it was, when it is full. */
  add(entry: T): boolean {
    if (this.entries.size >= this.capacity) return false;
    this.entries.add(entry);
    return true;
  }

  /** Whether `entry` was still waiting: only the one who removes it may answer it. */
  remove(entry: T): boolean {
    return this.entries.delete(entry);
  }

  oldest(): T | undefined {
    for (const entry of this.entries) return entry;
    return undefined;
  }

  /** Empties the queue; what it held, oldest first. */
  takeAll(): T[] {
    const all = [...this.entries];
    this.entries.clear();
    return all;
  }
}
