/** How a case of bench/cases/ prints itself when run alone (`npx tsx bench/cases/<case>.ts [--json]`). */
export interface RowsCase {
  id: string;
  title: string;
  rows: Array<{ what: string; value: number; unit: string; target?: string; met?: boolean }>;
  notes: string[];
}

export function printRowsCase(result: RowsCase, json = process.argv.includes('--json')): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  for (const row of result.rows) {
    const verdict = row.target ? `  target ${row.target}: ${row.met ? 'met' : 'NOT met'}` : '';
    process.stdout.write(`${String(row.value).padStart(8)} ${row.unit}  ${row.what}${verdict}\n`);
  }
  for (const n of result.notes) process.stdout.write(`- ${n}\n`);
}
