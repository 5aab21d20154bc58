// The benches' tables as plain text, so that every report lines its figures up the same way.

/**
 * Rows of cells as lines, two spaces apart: the first column (labels) aligned left, the others
 * (figures) right, unless `align` gives each column's alignment ('l' or 'r', as in 'llr').
 */
export function formatTable(rows, { align } = {}) {
  const text = rows.map((row) => row.map(String));
  const widths = text[0].map((_, column) => Math.max(...text.map((row) => row[column].length)));
  const leftAligned = (column) => (align ? align[column] === 'l' : column === 0);
  return text.map((row) =>
    row
      .map((cell, column) =>
        leftAligned(column) ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
      )
      .join('  ')
      .trimEnd(),
  );
}
