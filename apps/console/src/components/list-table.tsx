import type { ReactNode } from 'react';

/**
 * A table of things with a row each: column headers for every column (an empty name is the
 * column of per-row actions, named for screen readers only); scrolls sideways on a narrow screen.
 */
export function ListTable({ columns, children }: { columns: string[]; children: ReactNode }) {
  return (
    <table className="list">
      <thead>
        <tr>
          {columns.map((column) => (
            <th scope="col" key={column || 'actions'}>
              {column || <span className="visually-hidden">Actions</span>}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
