import { fieldsOfRate, rateFromFields, type RateField } from '../../domain/rate-fields.js';
import type { Rate } from '../../domain/rating.js';
import { toCsv } from './callerids.js';

/**
 * Rates as CSV (RFC 4180, a header row): what the export writes, the import reads back.
 * The import checks every line and reports all bad ones with their line numbers.
 */

export const RATE_CSV_COLUMNS = ['Prefix', 'Name', 'Connect fee', 'Per minute', 'Flat', 'Increments'] as const;
const KEYS: Record<string, RateField> = { prefix: 'prefix', name: 'name', connectfee: 'connectFee', perminute: 'perMinute', flat: 'flat', increments: 'increments' };
/** More lines than any real tariff; keeps one request's work bounded. */
export const MAX_CSV_RATES = 100_000;

export interface CsvRecord {
  /** The line of the file the record starts on (1 is the header). */
  line: number;
  cells: string[];
}

export interface CsvProblem {
  line: number;
  /** The column at fault, as the header names it (Prefix, Per minute...). */
  field?: string;
  message: string;
}

const COLUMN_OF: Record<RateField, string> = { prefix: 'Prefix', name: 'Name', connectFee: 'Connect fee', perMinute: 'Per minute', flat: 'Flat', increments: 'Increments' };

/** A rate's problem in the file's words: the columns as the header names them, not the API's fields. */
const inColumns = (message: string) =>
  message
    .replace(/\bperMinute\b/g, COLUMN_OF.perMinute)
    .replace(/\bconnectFee\b/g, COLUMN_OF.connectFee)
    .replace(/^(prefix|name|flat|increments)\b/, (word) => COLUMN_OF[word as RateField]);

/** Splits RFC 4180 text into records; quoted cells may hold commas, quotes ("") and line breaks. */
export function parseCsv(text: string): { records: CsvRecord[]; problem: CsvProblem | null } {
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  while (i < body.length) {
    const start = line;
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let atCellStart = true;
    for (;;) {
      if (i >= body.length) {
        if (quoted) return { records, problem: { line: start, message: 'a quoted cell is not closed (a " is missing)' } };
        cells.push(cell);
        break;
      }
      const c = body[i] as string;
      if (quoted) {
        if (c === '"') {
          if (body[i + 1] === '"') {
            cell += '"';
            i += 2;
          } else {
            quoted = false;
            i += 1;
          }
        } else {
          if (c === '\n') line += 1;
          cell += c;
          i += 1;
        }
        continue;
      }
      if (c === '"' && atCellStart) {
        quoted = true;
        atCellStart = false;
        i += 1;
      } else if (c === ',') {
        cells.push(cell);
        cell = '';
        atCellStart = true;
        i += 1;
      } else if (c === '\r' || c === '\n') {
        cells.push(cell);
        i += c === '\r' && body[i + 1] === '\n' ? 2 : 1;
        line += 1;
        break;
      } else {
        cell += c;
        atCellStart = false;
        i += 1;
      }
    }
    // Blank lines (a trailing newline, spacing) are not records.
    if (!(cells.length === 1 && cells[0]?.trim() === '')) records.push({ line: start, cells });
  }
  return { records, problem: null };
}

/** The export's guard against spreadsheet formulas ('=...) is taken off again on import. */
const unguard = (cell: string) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

/** Every rate of the file, or every problem (line and reason) when any line is bad. */
export function ratesFromCsv(text: string): { rates: Rate[]; problems: CsvProblem[] } {
  const { records, problem } = parseCsv(text);
  if (problem) return { rates: [], problems: [problem] };
  const header = records[0];
  if (!header) return { rates: [], problems: [{ line: 1, message: `the file is empty; the first line names the columns: ${RATE_CSV_COLUMNS.join(',')}` }] };
  const columns: (RateField | null)[] = header.cells.map((c) => KEYS[c.trim().toLowerCase().replace(/[\s_-]+/g, '')] ?? null);
  const problems: CsvProblem[] = [];
  header.cells.forEach((c, i) => {
    if (columns[i] === null) problems.push({ line: header.line, message: `"${c.slice(0, 40)}" is not a column; the columns are ${RATE_CSV_COLUMNS.join(', ')}` });
    else if (columns.indexOf(columns[i] ?? null) !== i) problems.push({ line: header.line, message: `the column "${c.trim()}" appears twice` });
  });
  for (const required of ['prefix', 'name'] as const) {
    if (!columns.includes(required)) problems.push({ line: header.line, message: `the header has no ${required === 'prefix' ? 'Prefix' : 'Name'} column` });
  }
  if (problems.length > 0) return { rates: [], problems };
  if (records.length - 1 > MAX_CSV_RATES) return { rates: [], problems: [{ line: header.line, message: `the file has more than ${MAX_CSV_RATES} rates` }] };

  const rates: Rate[] = [];
  const seen = new Map<string, number>();
  for (const record of records.slice(1)) {
    if (record.cells.length !== columns.length) {
      problems.push({ line: record.line, message: `${record.cells.length} cells, but the header has ${columns.length} columns` });
      continue;
    }
    const fields: Record<string, string> = { prefix: '', name: '' };
    columns.forEach((column, i) => {
      if (column) fields[column] = unguard(record.cells[i] ?? '');
    });
    const result = rateFromFields({ prefix: fields.prefix ?? '', name: fields.name ?? '', flat: fields.flat, perMinute: fields.perMinute, connectFee: fields.connectFee, increments: fields.increments });
    if (result.rate === null) {
      for (const p of result.problems) problems.push({ line: record.line, field: COLUMN_OF[p.field], message: inColumns(p.message) });
      continue;
    }
    const earlier = seen.get(result.rate.prefix);
    if (earlier !== undefined) {
      problems.push({ line: record.line, field: COLUMN_OF.prefix, message: `Prefix "${result.rate.prefix}" is on line ${earlier} already` });
      continue;
    }
    seen.set(result.rate.prefix, record.line);
    rates.push(result.rate);
  }
  return { rates: problems.length > 0 ? [] : rates, problems };
}

export function ratesToCsv(rates: readonly Rate[]): string {
  const rows = rates.map((r) => {
    const f = fieldsOfRate(r);
    return [f.prefix, f.name, f.connectFee, f.perMinute, f.flat ?? '', f.increments];
  });
  return toCsv([RATE_CSV_COLUMNS, ...rows]);
}
