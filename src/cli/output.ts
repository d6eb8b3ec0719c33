import Table from 'cli-table3';
import { composeTools, type Tools } from '../api/composition-root.js';
import { loadConfig } from '../config.js';

/** Terminal output for the operator tools: tables, or JSON with --json. */

export const compact = (value: unknown): string => (value === undefined ? '' : JSON.stringify(value));

/** The terminal's width; when piped, `COLUMNS` or 100. Never under 60: below that nothing reads well. */
export const terminalWidth = (): number => {
  const columns = process.stdout.columns || Number(process.env.COLUMNS) || 100;
  return Math.max(60, columns);
};

const STYLE = { head: [], border: [] };

/** A table sized by its content (short values: names, positions, counts). */
export const table = (head: string[], rows: string[][]): string => {
  const table = new Table({ head, style: STYLE });
  table.push(...rows);
  return table.toString();
};

/**
 * Records as wide as the terminal and no wider: a narrow key column (a revision or a
 * position, searchable as the first cell of a row) and one column of lines, where long
 * values (event data, states as JSON) wrap at the edge instead of widening the table.
 */
export const records = (keyHead: string, rows: Array<{ key: string; lines: string[] }>): string => {
  const keyWidth = Math.max(keyHead.length, ...rows.map((row) => row.key.length)) + 2;
  const table = new Table({
    head: [keyHead, 'event'],
    colWidths: [keyWidth, terminalWidth() - keyWidth - 3],
    wordWrap: true,
    wrapOnWordBoundary: false,
    style: STYLE,
  });
  table.push(...rows.map((row) => [row.key, row.lines.join('\n')]));
  return table.toString();
};

export const short = (id: unknown): string => (typeof id === 'string' ? id.slice(0, 8) : '');

/** `customer:826ac056-...` → `customer:826ac056`: who, without the whole id. */
export const actor = (value: unknown): string => {
  const text = String(value ?? '');
  const [kind, id] = text.split(/:(.*)/);
  return id && /^[0-9a-f-]{36}$/.test(id) ? `${kind}:${id.slice(0, 8)}` : text;
};

/** Runs a tool's main function: its error, if any, is printed without a stack and exits 1. */
export const run = (main: () => Promise<number | void>) => {
  main().then(
    (code) => process.exit(code ?? 0),
    (error: unknown) => {
      console.error(error instanceof Error ? `error: ${error.message}` : error);
      process.exit(1);
    },
  );
};

/** Opens this environment's stores for a tool, and closes them whatever happens. */
export const withTools = async (work: (tools: Tools) => Promise<number | void>): Promise<number | void> => {
  const tools = await composeTools(loadConfig());
  try {
    return await work(tools);
  } finally {
    await tools.close();
  }
};
