import { containedLinkTarget } from './layer-unpack';

describe(containedLinkTarget.name, () => {
  it('should leave a link that stays inside the image as it is', () => {
    expect(containedLinkTarget('app/node_modules/.bin/tsc', '../typescript/bin/tsc')).toBe(
      '../typescript/bin/tsc',
    );
    expect(containedLinkTarget('./app/link', 'server.js')).toBe('server.js');
  });

  it("should make an absolute link relative, resolving from the image's root", () => {
    expect(containedLinkTarget('app/absolute', '/etc/hostname')).toBe('../etc/hostname');
    expect(containedLinkTarget('bin', '/usr/bin')).toBe('usr/bin');
  });

  it('should stop .. at the root, as it does inside the image', () => {
    expect(containedLinkTarget('app/climbing', '../../../usr/bin/node')).toBe('../usr/bin/node');
    expect(containedLinkTarget('app/up', '../..')).toBe('..');
  });
});
