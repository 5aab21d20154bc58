import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const MAX_LINES = 300;
/** Generated from the OpenAPI document and the Prisma schema: their size is not ours to choose. */
const GENERATED = ['libs/contracts/src/generated', 'libs/db/src/generated'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return GENERATED.includes(relative(ROOT, path)) ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function packageSources(): string[] {
  return ['apps', 'libs'].flatMap((kind) =>
    readdirSync(join(ROOT, kind))
      .map((name) => join(ROOT, kind, name, 'src'))
      .flatMap((src) => (existsSync(src) ? sourceFiles(src) : [])),
  );
}

/** As `wc -l` counts them: a final newline ends the last line, it does not start another. */
function lineCount(file: string): number {
  const text = readFileSync(file, 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

describe('source tree', () => {
  it('should find the sources it checks', () => {
    const files = packageSources().map((file) => relative(ROOT, file));
    expect(files).toContain('apps/gateway/src/main.ts');
    expect(files).toContain('libs/testing/src/index.ts');
    expect(files.some((file) => file.startsWith('libs/db/src/generated/'))).toBe(false);
    expect(files.some((file) => file.endsWith('.spec.ts'))).toBe(false);
  });

  it(`should keep every source file at ${MAX_LINES} lines or fewer`, () => {
    const tooLong = packageSources()
      .map((file) => ({ file: relative(ROOT, file), lines: lineCount(file) }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file} (${lines} lines)`);
    expect(tooLong).toEqual([]);
  });
});
