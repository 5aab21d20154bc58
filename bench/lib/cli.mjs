// A bench's command line: its options, and the compiled code it runs. Both are checked before
// the bench takes anything from the machine, so a wrong call exits 2 with nothing to clean up.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `defaults` overridden by the command line: `--json` (true), `--NAME=VALUE` for a name in
 * `choices` with one of its values, `--NAME=N` for a name whose default is a number (a whole
 * number above 0, or 0 too for a name in `mayBeZero`), `--NAME=A,B` for a name in `lists` (an
 * array, for the bench to check). Anything else prints `usage` and exits 2.
 */
export function parseOptions(defaults, { usage, choices = {}, mayBeZero = [], lists = [] }) {
  const options = { ...defaults };
  for (const arg of process.argv.slice(2)) {
    const [, name, value] = /^--([a-z]+)(?:=([a-z0-9,-]+))?$/.exec(arg) ?? [];
    if (name === 'json' && value === undefined) options.json = true;
    else if (Object.hasOwn(choices, name) && choices[name].includes(value)) options[name] = value;
    else if (lists.includes(name) && value !== undefined) options[name] = value.split(',');
    else if (
      typeof defaults[name] === 'number' &&
      /^\d+$/.test(value) &&
      (Number(value) > 0 || mayBeZero.includes(name))
    )
      options[name] = Number(value);
    else {
      process.stderr.write(`${usage}\nnot understood: ${arg}\n`);
      process.exit(2);
    }
  }
  return options;
}

/** What a bench that runs the whole platform (gateway, router, builder, orchestrator, agent) needs built. */
export const PLATFORM_COMPILED = [
  'apps/gateway/dist/main.js',
  'apps/router/dist/main.js',
  'apps/builder/dist/main.js',
  'apps/orchestrator/dist/main.js',
  'apps/agent/dist/main.js',
  'libs/testing/dist/index.js',
];

/** Exits 2 naming what is missing unless every one of `files` (relative to `root`) was compiled. */
export function exitUnlessBuilt(root, files) {
  const missing = files.filter((file) => !existsSync(join(root, file)));
  if (missing.length) {
    process.stderr.write(`build first (npx tsc -b): missing ${missing.join(', ')}\n`);
    process.exit(2);
  }
}
