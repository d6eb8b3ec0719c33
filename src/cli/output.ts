import Table from 'cli-table3';
import { composeTools, type Tools } from '../api/composition-root.js';
import { loadConfig } from '../config.js';

/** Terminal output for the operator tools: tables, or JSON with --json. */

export const compact = (value: unknown): string => (value === undefined ? '' : JSON.stringify(value));

/**
 * A table as wide as the terminal (160 columns when piped). A width > 0 is that many
 * characters, for columns that must not break (types, times, ids); 0 shares what is left.
 */
export const table = (head: string[], rows: string[][], widths?: number[]): string => {
  const total = Math.max(100, process.stdout.columns ?? 160);
  const fixed = (widths ?? []).reduce((sum, w) => sum + w, 0);
  const flexible = (widths ?? []).filter((w) => w === 0).length;
  const share = flexible > 0 ? Math.max(20, Math.floor((total - fixed - head.length - 1) / flexible)) : 0;
  const table = new Table({
    head,
    wordWrap: true,
    wrapOnWordBoundary: false,
    ...(widths ? { colWidths: widths.map((w) => (w > 0 ? w : share)) } : {}),
    style: { head: [], border: [] },
  });
  table.push(...rows);
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
