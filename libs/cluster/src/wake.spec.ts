import { decodeWake, encodeWake } from './wake';

describe(decodeWake.name, () => {
  it('should read back what encodeWake writes, and nothing else', () => {
    const id = '0b8e5a51-7f4c-4c57-9d0e-3a1b2c3d4e5f';
    expect(decodeWake(encodeWake({ kind: 'app', id }))).toEqual({ kind: 'app', id });
    expect(decodeWake(encodeWake({ kind: 'node', id }))).toEqual({ kind: 'node', id });
    for (const message of ['', 'app', 'app:', ':x', 'pod:x', 'changed'])
      expect(decodeWake(message)).toBeNull();
  });
});
