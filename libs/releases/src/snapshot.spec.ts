import type { ConfigEntry, Release } from '@nimbus/db';
import { imageColumnsOf, releaseImageOf } from './release-image';
import { environmentOf, secretValuesOf, snapshotOf } from './snapshot';

function entry(
  scope: ConfigEntry['scope'],
  kind: ConfigEntry['kind'],
  key: string,
  value: string,
): ConfigEntry {
  const at = new Date(0);
  return {
    id: `${scope}-${key}`,
    tenantId: 't',
    namespaceId: null,
    appId: null,
    scope,
    scopeId: scope,
    key,
    kind,
    value: kind === 'var' ? value : null,
    ciphertext: kind === 'secret' ? new Uint8Array(Buffer.from(`sealed:${value}`)) : null,
    createdAt: at,
    updatedAt: at,
  };
}

const opened = (config: ConfigEntry) =>
  Buffer.from(config.ciphertext as Uint8Array)
    .toString()
    .slice('sealed:'.length);

describe('snapshotOf', () => {
  const snapshot = snapshotOf(
    [
      entry('tenant', 'var', 'REGION', 'us'),
      entry('app', 'secret', 'TOKEN', 'app-token'),
      entry('namespace', 'var', 'REGION', 'eu'),
      entry('app', 'var', 'LOG_LEVEL', 'info'),
    ],
    opened,
  );

  it('should keep every scope, secrets opened, in a stable order (scope, then key)', () => {
    expect(snapshot).toEqual([
      { scope: 'app', kind: 'var', key: 'LOG_LEVEL', value: 'info' },
      { scope: 'app', kind: 'secret', key: 'TOKEN', value: 'app-token' },
      { scope: 'namespace', kind: 'var', key: 'REGION', value: 'eu' },
      { scope: 'tenant', kind: 'var', key: 'REGION', value: 'us' },
    ]);
  });

  it('should run with the nearest scope winning per key, and name the secrets to hide', () => {
    expect(environmentOf(snapshot)).toEqual({ LOG_LEVEL: 'info', REGION: 'eu', TOKEN: 'app-token' });
    expect(secretValuesOf(snapshot)).toEqual(['app-token']);
  });
});

describe('releaseImageOf', () => {
  const release = {
    imageDigest: 'sha256:1',
    processTypes: { web: 'npm start' },
    formation: { web: { replicas: 2 } },
    postdeploy: 'node seed.js',
  } as Partial<Release> as Release;

  it("should carry the image's app.json formation and postdeploy into the next release's columns", () => {
    expect(imageColumnsOf(releaseImageOf(release))).toEqual({
      imageDigest: 'sha256:1',
      processTypes: { web: 'npm start' },
      formation: { web: { replicas: 2 } },
      postdeploy: 'node seed.js',
    });
  });

  it('should leave out an empty formation and a missing postdeploy', () => {
    expect(imageColumnsOf({ digest: 'sha256:2', processTypes: {}, formation: {}, postdeploy: null })).toEqual(
      {
        imageDigest: 'sha256:2',
        processTypes: {},
      },
    );
  });
});
