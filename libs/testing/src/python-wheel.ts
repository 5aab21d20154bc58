import { createHash } from 'node:crypto';
import { zipSync } from 'fflate';

/** A built distribution as a package index serves it. */
export interface WheelFile {
  /** `{name}-{version}-py3-none-any.whl`, with the name's dashes as underscores. */
  filename: string;
  data: Uint8Array;
}

export interface WheelSpec {
  name: string;
  version: string;
  /** Files installed into site-packages, by path (`tinyserve/__init__.py`). */
  files: Record<string, string>;
  /** `console_scripts` entry points: pip writes each as a script in the environment's bin/. */
  scripts?: Record<string, string>;
  /** PEP 508 requirements, as `Requires-Dist`. */
  requires?: string[];
}

/** RECORD's digest form: urlsafe base64 of the sha256, without padding. */
function recordHash(data: Uint8Array): string {
  return `sha256=${createHash('sha256').update(data).digest('base64url')}`;
}

/**
 * A pure-Python wheel (PEP 427) made in memory: what `pip wheel` would produce for the given
 * files, without needing a build backend or the internet to make one.
 */
export function buildWheel(spec: WheelSpec): WheelFile {
  const dist = spec.name.replace(/[-_.]+/g, '_');
  const info = `${dist}-${spec.version}.dist-info`;
  const text: Record<string, string> = { ...spec.files };
  text[`${info}/METADATA`] = [
    'Metadata-Version: 2.1',
    `Name: ${spec.name}`,
    `Version: ${spec.version}`,
    ...(spec.requires ?? []).map((requirement) => `Requires-Dist: ${requirement}`),
    '',
  ].join('\n');
  text[`${info}/WHEEL`] = [
    'Wheel-Version: 1.0',
    'Generator: nimbus-tests',
    'Root-Is-Purelib: true',
    'Tag: py3-none-any',
    '',
  ].join('\n');
  if (spec.scripts && Object.keys(spec.scripts).length > 0) {
    text[`${info}/entry_points.txt`] = [
      '[console_scripts]',
      ...Object.entries(spec.scripts).map(([script, target]) => `${script} = ${target}`),
      '',
    ].join('\n');
  }
  const entries: Record<string, Uint8Array> = {};
  const record: string[] = [];
  for (const [path, content] of Object.entries(text)) {
    const data = new TextEncoder().encode(content);
    entries[path] = data;
    record.push(`${path},${recordHash(data)},${data.length}`);
  }
  record.push(`${info}/RECORD,,`, '');
  entries[`${info}/RECORD`] = new TextEncoder().encode(record.join('\n'));
  return { filename: `${dist}-${spec.version}-py3-none-any.whl`, data: zipSync(entries) };
}
