// Printing: one table per measurement, columns padded to their widest cell, plus the small
// statistics the tables show (median, min–max over repeated runs).
export type Cell = string | number;

export interface Table {
  title: string;
  /** One line under the title: what was measured, how, and the target. */
  note?: string;
  columns: string[];
  rows: Cell[][];
  /** Lines printed under the table (caveats, verdicts). */
  footer?: string[];
}

const show = (c: Cell): string => (typeof c === 'number' ? String(c) : c);

export function renderTable(t: Table): string {
  const cells = [t.columns, ...t.rows.map((r) => r.map(show))];
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const out = [`### ${t.title}`, ''];
  if (t.note) out.push(t.note, '');
  out.push(line(t.columns), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line));
  if (t.footer?.length) out.push('', ...t.footer);
  return `${out.join('\n')}\n`;
}

export function median(values: number[]): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** "1.23 (0.98–1.50)" for several runs, "1.23" for one. */
export function spread(values: number[], digits = 2): string {
  if (!values.length) return 'n/a';
  const m = median(values).toFixed(digits);
  if (values.length === 1) return m;
  return `${m} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
}

export const seconds = (ms: number, digits = 2): string => (ms / 1000).toFixed(digits);
export const mib = (bytes: number): number => bytes / 1048576;
export const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/** A measurement that could not run still gets a table, saying why. */
export function failedTable(title: string, err: unknown): Table {
  const message = err instanceof Error ? err.message : String(err);
  return { title, columns: ['result'], rows: [[`did not complete: ${message.split('\n')[0] ?? ''}`]] };
}
