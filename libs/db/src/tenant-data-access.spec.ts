import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Tenant-owned rows are read and written only through libs/db's repositories, whose methods
 * require a TenantScope (or, for the control plane, a SystemScope). This scans the apps' sources
 * for anything that goes around them: a Prisma delegate call on a tenant-owned model, or raw SQL.
 */
const TENANT_MODELS = [
  'membership',
  'namespace',
  'app',
  'configEntry',
  'apiToken',
  'auditEntry',
  'release',
  'build',
  'formation',
  'autoscaler',
  'instance',
  'rollout',
  'postdeploy',
  'event',
  'instanceUsage',
  'requestUsage',
];
const OPERATIONS = [
  'findMany',
  'findFirst',
  'findUnique',
  'findFirstOrThrow',
  'findUniqueOrThrow',
  'create',
  'createMany',
  'update',
  'updateMany',
  'upsert',
  'delete',
  'deleteMany',
  'count',
  'aggregate',
  'groupBy',
];
// `x.instance.findMany(`, also split over lines (`tx\n  .instance\n  .findMany(`) or with `?.`.
const DELEGATE_CALL = new RegExp(
  `[\\w$)\\]]\\s*\\??\\.\\s*(${TENANT_MODELS.join('|')})\\s*\\??\\.\\s*(${OPERATIONS.join('|')})\\s*[(<]`,
  'g',
);
const RAW_SQL = /\$(queryRaw|executeRaw)(Unsafe)?\b/g;

export interface Violation {
  line: number;
  what: string;
}

/** Comments become blanks (newlines kept), so lines still count and prose is not flagged. */
function withoutComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' '))
    .replace(/^(\s*)\/\/.*$/gm, '$1');
}

export function findViolations(source: string): Violation[] {
  const code = withoutComments(source);
  const lineOf = (index: number) => code.slice(0, index).split('\n').length;
  const found: Violation[] = [];
  for (const match of code.matchAll(DELEGATE_CALL))
    found.push({ line: lineOf(match.index + 1), what: `${match[1]}.${match[2]}` });
  for (const match of code.matchAll(RAW_SQL)) found.push({ line: lineOf(match.index), what: match[0] });
  return found.sort((a, b) => a.line - b.line);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')
      ? [path]
      : [];
  });
}

const ROOT = join(__dirname, '../../..');

describe('tenant data access', () => {
  describe(findViolations.name, () => {
    it('should flag a Prisma call on a tenant-owned model, on one line or split over several', () => {
      const source = [
        'const a = await this.prisma.client.app.findMany({ where: {} });',
        'const b = await tx',
        '  .instance',
        '  .updateMany({ data: {} });',
        'await db?.event.create({ data });',
      ].join('\n');
      expect(findViolations(source)).toEqual([
        { line: 1, what: 'app.findMany' },
        { line: 2, what: 'instance.updateMany' },
        { line: 5, what: 'event.create' },
      ]);
    });

    it('should flag raw SQL', () => {
      expect(findViolations('await db.$queryRaw`SELECT 1`;\nawait tx.$executeRawUnsafe(sql);')).toEqual([
        { line: 1, what: '$queryRaw' },
        { line: 2, what: '$executeRawUnsafe' },
      ]);
    });

    it('should not flag repositories, models that are not tenant-owned, or comments', () => {
      const source = [
        'await new AppRepository(tx).findByName(scope, namespaceId, name);',
        'await this.apps.find(access, name);',
        'await tx.tenant.update({ where: { id } });',
        'await this.prisma.client.node.findMany();',
        '// old: tx.app.update({ where: { id } })',
        '/* db.instance.findMany() */',
      ].join('\n');
      expect(findViolations(source)).toEqual([]);
    });
  });

  it('should find no direct access to tenant-owned data in any app or library outside libs/db', () => {
    // libs/testing is test support: its factories seed rows the way a fixture must.
    const packages = ['apps', 'libs'].flatMap((kind) =>
      readdirSync(join(ROOT, kind), { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && !['db', 'testing'].includes(entry.name))
        .map((entry) => join(ROOT, kind, entry.name, 'src')),
    );
    const violations = packages
      .flatMap(sourceFiles)
      .flatMap((file) =>
        findViolations(readFileSync(file, 'utf8')).map(
          ({ line, what }) => `${relative(ROOT, file)}:${line} ${what}`,
        ),
      );
    expect(violations).toEqual([]);
  });
});
