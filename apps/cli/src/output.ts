import Table from 'cli-table3';

/** A cell of a human-readable table; null and undefined print as "-". */
export type Cell = string | number | boolean | null | undefined;

const BLANK_BORDERS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function printJson(data: unknown): void {
  print(JSON.stringify(data, null, 2));
}

/** `--json` prints what the API returned; otherwise `human` renders it. */
export function emit<T>(json: boolean | undefined, data: T, human: (data: T) => void): void {
  if (json) printJson(data);
  else human(data);
}

/** Columns aligned with two spaces, no borders, upper-case headers, like Heroku's CLI. */
export function printTable(headers: string[], rows: Cell[][]): void {
  const table = new Table({
    head: headers.map((header) => header.toUpperCase()),
    chars: BLANK_BORDERS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  for (const row of rows) table.push(row.map(cell));
  for (const line of table.toString().split('\n')) print(line.trimEnd());
}

/** `KEY: value` lines with the values aligned, as `heroku config` prints them. */
export function printPairs(pairs: [string, Cell][]): void {
  const width = Math.max(0, ...pairs.map(([key]) => key.length));
  for (const [key, value] of pairs) print(`${`${key}:`.padEnd(width + 1)} ${cell(value)}`.trimEnd());
}

export function cell(value: Cell): string {
  return value === null || value === undefined ? '-' : String(value);
}

/** ISO timestamps as `YYYY-MM-DD HH:MM` UTC; tables need no more. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '-';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** How long ago, in the largest whole unit: `just now`, `45s ago`, `2m ago`, `3h ago`, `5d ago`. */
export function formatAge(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return iso;
  const seconds = Math.floor((now - then) / 1000);
  if (seconds < 1) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}
