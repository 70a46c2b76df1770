// Plain-text tables as docker and helm print them: a header row, columns padded to their widest cell.
export function formatColumns(rows: string[][], gap = 3): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + gap))).join('').trimEnd()).join('\n') + '\n';
}
