import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigStore } from './config-store';

describe(ConfigStore.name, () => {
  const directory = mkdtempSync(join(tmpdir(), 'nimbus-config-store-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  let count = 0;
  const freshPath = () => join(directory, `case-${++count}`, 'nimbus', 'config.json');

  it('should create the file 0600 in a 0700 directory, replacing a looser file', () => {
    const path = freshPath();
    const store = new ConfigStore(path);
    store.write({ api: 'http://a', token: 't' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
    writeFileSync(path, '{}', { mode: 0o644 });
    store.write({ api: 'http://a', token: 't2' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ api: 'http://a', token: 't2' });
  });

  it('should let NIMBUS_API and NIMBUS_TOKEN override the file', () => {
    const path = freshPath();
    new ConfigStore(path).write({ api: 'http://file', token: 'file-token' });
    const store = ConfigStore.fromEnvironment({
      NIMBUS_CONFIG: path,
      NIMBUS_API: 'http://env',
      NIMBUS_TOKEN: 'env-token',
    });
    expect(store.credentials()).toEqual({ api: 'http://env', token: 'env-token' });
    const partly = ConfigStore.fromEnvironment({ NIMBUS_CONFIG: path, NIMBUS_TOKEN: 'env-token' });
    expect(partly.credentials()).toEqual({ api: 'http://file', token: 'env-token' });
  });

  it('should say how to log in when there are no credentials', () => {
    expect(() => new ConfigStore(freshPath()).credentials()).toThrow('not logged in: run `nimbus login');
  });

  it('should name a file that is not JSON', () => {
    const path = join(directory, 'broken.json');
    writeFileSync(path, '{oops');
    expect(() => new ConfigStore(path).read()).toThrow(`${path} is not valid JSON`);
  });
});
