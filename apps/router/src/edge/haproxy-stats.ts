/** Columns of `show stat` this router reads. */
export type StatColumn = 'pxname' | 'svname' | 'scur' | 'qcur' | 'req_tot' | 'rtime';

/**
 * The rows of a `show stat` answer (CSV whose `# ` header line names the columns), each as the
 * columns asked for; an empty figure reads as 0. Several answers may be joined: each has its
 * header.
 */
export function parseStatRows<C extends StatColumn>(
  output: string,
  wanted: readonly C[],
): { [K in C]: K extends 'pxname' | 'svname' ? string : number }[] {
  const rows: Record<string, string | number>[] = [];
  let indexes: number[] = [];
  let width = 0;
  for (const line of output.split('\n')) {
    if (line.startsWith('#')) {
      const columns = line.replace(/^#\s*/, '').split(',');
      indexes = wanted.map((name) => columns.indexOf(name));
      width = columns.length;
      continue;
    }
    const fields = line.split(',');
    if (!width || fields.length < width - 1) continue;
    const row: Record<string, string | number> = {};
    wanted.forEach((name, position) => {
      const value = fields[indexes[position] as number] ?? '';
      row[name] = name === 'pxname' || name === 'svname' ? value : Number(value) || 0;
    });
    rows.push(row);
  }
  // The mapped type is what each loop above wrote; TypeScript cannot follow it through forEach.
  return rows as { [K in C]: K extends 'pxname' | 'svname' ? string : number }[];
}
