import { HoldQueue } from './hold-queue';

describe(HoldQueue.name, () => {
  it('should refuse entries beyond its capacity, leaving the queue as it was', () => {
    const queue = new HoldQueue<string>(2);
    expect(queue.add('a')).toBe(true);
    expect(queue.add('b')).toBe(true);
    expect(queue.add('c')).toBe(false);
    expect(queue.size).toBe(2);
    expect(queue.takeAll()).toEqual(['a', 'b']);
  });

  it('should let any entry leave early, once, and make room for another', () => {
    const queue = new HoldQueue<string>(3);
    for (const entry of ['a', 'b', 'c']) queue.add(entry);
    expect(queue.remove('b')).toBe(true);
    expect(queue.remove('b')).toBe(false);
    expect(queue.add('d')).toBe(true);
    expect(queue.takeAll()).toEqual(['a', 'c', 'd']);
  });

  it('should name its oldest entry, and be empty after takeAll', () => {
    const queue = new HoldQueue<string>(3);
    expect(queue.oldest()).toBeUndefined();
    queue.add('a');
    queue.add('b');
    expect(queue.oldest()).toBe('a');
    queue.remove('a');
    expect(queue.oldest()).toBe('b');
    queue.takeAll();
    expect(queue.size).toBe(0);
    expect(queue.oldest()).toBeUndefined();
    expect(queue.remove('b')).toBe(false);
  });
});
