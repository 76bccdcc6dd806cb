/**
 * Command output: tables for people, `-o json|yaml` for scripts. Every command that prints
 * resources goes through `printResources` so the formats stay consistent.
 */
import { stringify as toYaml } from 'yaml';

export type OutputFormat = 'table' | 'json' | 'yaml';

export function parseOutputFormat(v: string): OutputFormat {
  if (v === 'table' || v === 'json' || v === 'yaml') return v;
  throw new Error(`unknown output format '${v}': use table, json or yaml`);
}

export interface Column<T> {
  header: string;
  get: (row: T) => string | number | boolean | undefined;
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => String(c.get(r) ?? '')));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (i === vals.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n');
}

export function printResources<T>(
  data: T | readonly T[],
  format: OutputFormat,
  columns: readonly Column<T>[],
): void {
  if (format === 'json') {
    process.stdout.write(JSON.stringify(data, null, 2) + '\n');
  } else if (format === 'yaml') {
    process.stdout.write(toYaml(data));
  } else {
    const rows = Array.isArray(data) ? (data as readonly T[]) : [data as T];
    process.stdout.write(renderTable(rows, columns) + '\n');
  }
}
