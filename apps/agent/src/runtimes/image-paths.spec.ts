import { ImagePathMap, processEnv } from './image-paths';

describe(ImagePathMap.name, () => {
  const paths = new ImagePathMap('/var/cache/nimbus/abc/rootfs', ['app', 'nimbus']);
  const root = '/var/cache/nimbus/abc/rootfs';

  it("should map the image's own absolute paths and leave the host's alone", () => {
    expect(paths.path('/app')).toBe(`${root}/app`);
    expect(paths.path('/app/node_modules/.bin')).toBe(`${root}/app/node_modules/.bin`);
    expect(paths.path('/usr/bin')).toBe('/usr/bin');
    expect(paths.path('/application')).toBe('/application');
    expect(paths.path('relative/app')).toBe('relative/app');
  });

  it('should map image paths where they start a word of a command line', () => {
    expect(paths.command('node /nimbus/static-server.mjs')).toBe(`node ${root}/nimbus/static-server.mjs`);
    expect(paths.command('cd /app && exec "/app/bin/start" --config=/app/c.json')).toBe(
      `cd ${root}/app && exec "${root}/app/bin/start" --config=${root}/app/c.json`,
    );
    expect(paths.command('curl http://host/app; ls /usr/app /apple')).toBe(
      'curl http://host/app; ls /usr/app /apple',
    );
  });

  it('should map each element of a list of paths', () => {
    expect(paths.envValue('/app/node_modules/.bin:/usr/bin:/nimbus')).toBe(
      `${root}/app/node_modules/.bin:/usr/bin:${root}/nimbus`,
    );
    expect(paths.envValue('postgres://db/app')).toBe('postgres://db/app');
  });

  it('should refuse a root that a command line would need quoted', () => {
    expect(() => new ImagePathMap('/var/cache/my images/rootfs', ['app'])).toThrow(/quoted/);
  });
});

describe(processEnv.name, () => {
  const paths = new ImagePathMap('/r', ['app']);

  it("should put the spec's variables over the image's and append the host's PATH", () => {
    const env = processEnv(
      { PATH: '/app/node_modules/.bin:/usr/bin:/bin', NODE_ENV: 'production', LOG: 'info' },
      { LOG: 'debug', PORT: '5000' },
      paths,
      '/usr/local/bin:/usr/bin:/bin',
    );

    expect(env).toEqual({
      PATH: '/r/app/node_modules/.bin:/usr/bin:/bin:/usr/local/bin',
      NODE_ENV: 'production',
      LOG: 'debug',
      PORT: '5000',
    });
  });

  it("should give the host's PATH to an image without one", () => {
    expect(processEnv({}, {}, paths, '/usr/bin:/bin').PATH).toBe('/usr/bin:/bin');
  });
});
