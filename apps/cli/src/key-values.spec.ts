import { parseAssignments, parseKeys } from './key-values';

describe(parseAssignments.name, () => {
  it('should split each pair at the first "=" only', () => {
    expect(parseAssignments(['URL=postgres://u:p@h/db?x=1', 'EMPTY='])).toEqual({
      URL: 'postgres://u:p@h/db?x=1',
      EMPTY: '',
    });
  });

  it('should let a later pair for the same key win', () => {
    expect(parseAssignments(['A=1', 'A=2'])).toEqual({ A: '2' });
  });

  it('should keep __proto__ as an ordinary key', () => {
    const values = parseAssignments(['__proto__=x']);
    expect(Object.keys(values)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
  });

  it.each([
    [['NOEQUALS'], '"NOEQUALS" is not a KEY=VALUE pair'],
    [['A=1', '=v'], '"=v" has no key before "="'],
    [[], 'name at least one KEY=VALUE pair'],
  ])('should refuse %j', (pairs, message) => {
    expect(() => parseAssignments(pairs)).toThrow(message);
  });
});

describe(parseKeys.name, () => {
  it('should drop repeated keys', () => {
    expect(parseKeys(['A', 'B', 'A'])).toEqual(['A', 'B']);
  });

  it('should refuse a KEY=VALUE pair and an empty key', () => {
    expect(() => parseKeys(['A=1'])).toThrow('"A=1" is a KEY=VALUE pair');
    expect(() => parseKeys([''])).toThrow('a key is empty');
  });
});
