import Table from 'cli-table3';

/** Terminal output for the operator tools: tables on a terminal, JSON when asked or piped. */

export const compact = (value: unknown): string => (value === undefined ? '' : JSON.stringify(value));

export const table = (head: string[], rows: string[][], widths?: number[]): string => {
  const total = Math.max(80, process.stdout.columns ?? 160);
  const table = new Table({
    head,
    wordWrap: true,
    wrapOnWordBoundary: false,
    ...(widths ? { colWidths: widths.map((w) => Math.max(6, Math.floor((w / 100) * total))) } : {}),
    style: { head: [], border: [] },
  });
  table.push(...rows);
  return table.toString();
};

export const short = (id: unknown): string => (typeof id === 'string' ? id.slice(0, 8) : '');

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
