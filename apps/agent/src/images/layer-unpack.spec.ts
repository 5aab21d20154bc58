import { containedLinkTarget } from './layer-unpack';

describe(containedLinkTarget.name, () => {
  it('should leave a link that stays inside the image as it is', () => {
    expect(containedLinkTarget('app/node_modules/.bin/tsc', '../typescript/bin/tsc')).toBe(
      '../typescript/bin/tsc',
    );
    expect(containedLinkTarget('./app/link', 'server.js')).toBe('server.js');
    expect(containedLinkTarget('app/.venv/bin/python3.11', 'python3')).toBe('python3');
    expect(containedLinkTarget('app/up', '..')).toBe('..');
  });

  it("should make an absolute link relative, resolving from the image's root", () => {
    expect(containedLinkTarget('app/absolute', '/etc/hostname')).toBe('../etc/hostname');
    expect(containedLinkTarget('bin', '/usr/bin')).toBe('usr/bin');
    expect(containedLinkTarget('app/.venv/bin/python3', '/usr/bin/python3')).toBe('../../../usr/bin/python3');
    expect(containedLinkTarget('app/root', '/')).toBe('..');
  });

  it('should stop .. at the root in an absolute target, as it does inside the image', () => {
    expect(containedLinkTarget('app/absolute', '/../../etc/passwd')).toBe('../etc/passwd');
  });

  it("should refuse a relative link that climbs out of the image's root", () => {
    expect(() => containedLinkTarget('app/climbing', '../../../usr/bin/node')).toThrow(
      /leaves the image's root/,
    );
    expect(() => containedLinkTarget('app/up', '../..')).toThrow(/leaves the image's root/);
    expect(() => containedLinkTarget('top', '..')).toThrow(/leaves the image's root/);
  });

  it('should normalise a target so that no .. follows another link', () => {
    expect(containedLinkTarget('app/esc', 'root/..')).toBe('.');
    expect(containedLinkTarget('app/deeper', 'root/../../app/x')).toBe('x');
  });

  it('should refuse a link with no target', () => {
    expect(() => containedLinkTarget('app/empty', '')).toThrow(/no target/);
  });
});
