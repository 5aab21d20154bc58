import { createHash } from 'node:crypto';
import {
  PROCESS_TYPES_LABEL,
  buildImage,
  encodeProcessTypes,
  readProcessTypes,
  type Digest,
  type LayerBlob,
} from './index';

function fakeLayer(name: string): LayerBlob {
  // Descriptors only: building config and manifest never opens a layer.
  const hash = (s: string): Digest => `sha256:${createHash('sha256').update(s).digest('hex')}`;
  return {
    descriptor: {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: hash(`gz:${name}`),
      size: 10,
    },
    diffId: hash(`tar:${name}`),
    path: `/nonexistent/${name}`,
    createdBy: `step ${name}`,
    open: () => Promise.reject(new Error('not opened in these tests')),
  };
}

describe('buildImage', () => {
  const layers = [fakeLayer('base'), fakeLayer('app')];

  it('should describe the layers bottom first in both config and manifest, with history', () => {
    const image = buildImage({ layers, cmd: ['node', 'server.js'] });
    expect(image.config.rootfs).toEqual({ type: 'layers', diff_ids: layers.map((l) => l.diffId) });
    expect(image.manifest.layers).toEqual(layers.map((l) => l.descriptor));
    expect(image.config.history).toEqual([
      { created: '1970-01-01T00:00:00.000Z', created_by: 'step base' },
      { created: '1970-01-01T00:00:00.000Z', created_by: 'step app' },
    ]);
    expect(image.config).toMatchObject({ architecture: 'amd64', os: 'linux' });
  });

  it('should name config and manifest by the digests of their exact bytes', () => {
    const image = buildImage({ layers });
    const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    expect(image.digest).toBe(sha(image.manifestBlob.bytes));
    expect(image.manifest.config).toEqual({
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha(image.configBlob.bytes),
      size: image.configBlob.bytes.length,
    });
    expect(JSON.parse(image.manifestBlob.bytes.toString())).toEqual(image.manifest);
    expect(JSON.parse(image.configBlob.bytes.toString())).toEqual(image.config);
  });

  it('should carry the execution settings under their spec names', () => {
    const image = buildImage({
      layers,
      env: { PATH: '/usr/local/bin:/usr/bin', PORT: '5000' },
      entrypoint: ['/nimbus/launcher'],
      cmd: ['web'],
      workingDir: '/workspace/app',
      user: '1000:1000',
      exposedPorts: ['5000/tcp'],
      stopSignal: 'SIGTERM',
      labels: { b: '2', a: '1' },
      created: new Date('2025-01-02T03:04:05Z'),
    });
    expect(image.config.config).toEqual({
      User: '1000:1000',
      ExposedPorts: { '5000/tcp': {} },
      Env: ['PATH=/usr/local/bin:/usr/bin', 'PORT=5000'],
      Entrypoint: ['/nimbus/launcher'],
      Cmd: ['web'],
      WorkingDir: '/workspace/app',
      Labels: { a: '1', b: '2' },
      StopSignal: 'SIGTERM',
    });
    expect(image.config.created).toBe('2025-01-02T03:04:05.000Z');
  });

  it('should give equal digests for equal inputs, label order aside, and different ones otherwise', () => {
    const a = buildImage({ layers, labels: { x: '1', y: '2' }, annotations: { p: '1', q: '2' } });
    const b = buildImage({ layers, labels: { y: '2', x: '1' }, annotations: { q: '2', p: '1' } });
    expect(b.digest).toBe(a.digest);
    expect(buildImage({ layers, labels: { x: '1', y: '3' } }).digest).not.toBe(a.digest);
    expect(buildImage({ layers: [...layers].reverse(), labels: { x: '1', y: '2' } }).digest).not.toBe(
      a.digest,
    );
  });

  it('should put annotations on the manifest only when there are some', () => {
    expect(buildImage({ layers }).manifest).not.toHaveProperty('annotations');
    expect(
      buildImage({ layers, annotations: { 'org.opencontainers.image.revision': 'abc' } }).manifest
        .annotations,
    ).toEqual({
      'org.opencontainers.image.revision': 'abc',
    });
  });

  it('should refuse an environment variable name with "="', () => {
    expect(() => buildImage({ layers, env: { 'A=B': 'c' } })).toThrow(/not valid/);
  });
});

describe('process types label', () => {
  it('should read back what was written, in Procfile order', () => {
    const types = { web: 'node server.js', worker: 'node worker.js', release: 'npm run migrate' };
    const image = buildImage({ layers: [], labels: { [PROCESS_TYPES_LABEL]: encodeProcessTypes(types) } });
    expect(Object.entries(readProcessTypes(image.config))).toEqual(Object.entries(types));
  });

  it('should read an image without the label as having none, and refuse a malformed one', () => {
    expect(readProcessTypes(buildImage({ layers: [] }).config)).toEqual({});
    const bad = buildImage({ layers: [], labels: { [PROCESS_TYPES_LABEL]: '["web"]' } });
    expect(() => readProcessTypes(bad.config)).toThrow(/JSON object/);
  });
});
