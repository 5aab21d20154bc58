// The benches' tables as plain text, so that every report lines its figures up the same way.

/** Rows of cells as lines: the first column aligned left, the others right, two spaces apart. */
export function formatTable(rows) {
  const text = rows.map((row) => row.map(String));
  const widths = text[0].map((_, column) => Math.max(...text.map((row) => row[column].length)));
  return text.map((row) =>
    row
      .map((cell, column) => (column ? cell.padStart(widths[column]) : cell.padEnd(widths[0])))
      .join('  ')
      .trimEnd(),
  );
}
