/** Columns padded to their widest cell, two spaces apart: the tables of `streamtrain versions`. */
export function textColumns(head: readonly string[], rows: readonly (readonly string[])[]): (cells: readonly string[]) => string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return (cells) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
}

/** The header and the rows, one line each. */
export function textTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = textColumns(head, rows);
  return [line(head), ...rows.map(line)].join('\n');
}
