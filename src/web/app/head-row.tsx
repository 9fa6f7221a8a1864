import type { ComponentChildren } from 'preact';

/** A column of a table's header: its label, and `num` for one over numbers (right-aligned, class "num"). */
export type Column = ComponentChildren | { readonly label: ComponentChildren; readonly num: true };

const isNum = (c: Column): c is { readonly label: ComponentChildren; readonly num: true } =>
  typeof c === 'object' && c !== null && 'num' in c;

/** A table's header: one row with a column header per entry of `cols`. */
export function HeadRow({ cols }: { readonly cols: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c, i) =>
          isNum(c) ? (
            <th scope="col" key={i} class="num">
              {c.label}
            </th>
          ) : (
            <th scope="col" key={i}>
              {c}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}

/** A numeric column `label`. */
export const num = (label: ComponentChildren): Column => ({ label, num: true });
