import { imagesToEvict, type CachedImage } from './image-retention';

const image = (name: string, usedAt: number): CachedImage => ({ digest: name, usedAt });

describe(imagesToEvict.name, () => {
  // Used in the order a (longest ago) … e (just now); listed out of order, as a directory is.
  const images = [image('c', 3), image('a', 1), image('e', 5), image('b', 2), image('d', 4)];

  it.each([
    ['keep all', 5, [], []],
    ['keep more than there are', 20, [], []],
    ['keep the 3 most recent', 3, [], ['b', 'a']],
    ['keep 1', 1, [], ['d', 'c', 'b', 'a']],
    ['keep none', 0, [], ['e', 'd', 'c', 'b', 'a']],
    ['spare old images in use', 2, ['a', 'b'], ['c']],
    ['count recent images in use towards keep', 2, ['e'], ['c', 'b', 'a']],
    ['spare everything in use with keep 0', 0, ['a', 'b', 'c', 'd', 'e'], []],
    ['ignore an unknown digest in use', 4, ['z'], ['a']],
    ['take a negative keep as none', -1, ['e'], ['d', 'c', 'b', 'a']],
  ])('should %s', (_, keep, inUse, evicted) => {
    expect(imagesToEvict(images, keep, new Set(inUse))).toEqual(evicted);
  });

  it('should break ties of last use by digest, whatever the listing order', () => {
    const tied = [image('y', 7), image('x', 7), image('z', 7)];

    expect(imagesToEvict(tied, 1, new Set())).toEqual(['y', 'z']);
    expect(imagesToEvict([...tied].reverse(), 1, new Set())).toEqual(['y', 'z']);
  });

  it('should leave its input as it was', () => {
    const input = [...images];

    imagesToEvict(input, 1, new Set());

    expect(input).toEqual(images);
  });
});
