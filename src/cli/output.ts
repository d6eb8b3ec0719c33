import Table from 'cli-table3';
import stringWidth from 'string-width';
import { pino } from 'pino';
import { composeTools, type Tools } from '../api/composition-root.js';
import { loggerOptions } from '../api/log-privacy.js';
import { damagedStoreFile } from '../api/store-files.js';
import { loadConfig } from '../config.js';

/** Terminal output for the operator tools: tables, or JSON with --json. */

/**
 * Characters printed as `\uXXXX` escapes: C1 controls (some terminals act on them, as on
 * ESC), bidirectional controls and line separators (they reorder or hide text). The log
 * may hold them from before the input rules; an auditor must see them, not be fooled by
 * them. JSON.stringify escapes C0 controls itself; `visible` also escapes those, for plain text.
 */
const HIDDEN = /[\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const HIDDEN_OR_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const escape = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** One line of JSON, as an auditor should see it. */
export const compact = (value: unknown): string => (value === undefined ? '' : JSON.stringify(value).replace(HIDDEN, escape));

/** Indented JSON (`--json`, states), likewise; still JSON, and equal to what it shows. */
export const pretty = (value: unknown): string => (JSON.stringify(value, null, 2) ?? 'undefined').replace(HIDDEN, escape);

/** Plain text from the stores (an error message, an id) with its control characters shown as escapes. */
export const visible = (text: string): string => text.replace(HIDDEN_OR_CONTROL, escape);

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * A line cut into pieces at most `width` columns wide, by display width (a CJK character
 * or an emoji takes two columns, a combining accent none), keeping every character, spaces
 * included. cli-table3's own wrapping counts UTF-16 units and then cuts off what overflows.
 */
const cut = (line: string, width: number): string[] => {
  // Most of what the log holds is printable ASCII, one column a character: cut by length. Measured
  // grapheme by grapheme, a SKU's audit (566 states of its reservations, 10 MB) took over ten minutes.
  if (PRINTABLE_ASCII.test(line)) return line.length === 0 ? [''] : Array.from({ length: Math.ceil(line.length / width) }, (_, i) => line.slice(i * width, (i + 1) * width));
  const pieces: string[] = [];
  let piece = '';
  let used = 0;
  for (const { segment } of graphemes.segment(line)) {
    const columns = segment.length === 1 && PRINTABLE_ASCII.test(segment) ? 1 : stringWidth(segment);
    if (used + columns > width && piece !== '') {
      pieces.push(piece);
      [piece, used] = ['', 0];
    }
    piece += segment;
    used += columns;
  }
  return [...pieces, piece];
};

/** Text whose lines are wrapped at `width` columns (the terminal's by default). */
export const wrapped = (text: string, width = terminalWidth()): string =>
  text
    .split('\n')
    .flatMap((line) => cut(line, width))
    .join('\n');

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
 * Drawn here, in cli-table3's box characters: cli-table3 truncates a cell's whole text for a
 * debug message once per line it draws, which made a stream's states (hundreds of lines a
 * record) take minutes.
 */
export const records = (keyHead: string, rows: Array<{ key: string; lines: string[] }>, width = terminalWidth()): string => {
  const keyWidth = Math.max(keyHead.length, ...rows.map((row) => row.key.length)) + 2;
  const lineWidth = width - keyWidth - 3;
  const rule = (left: string, middle: string, right: string) => `${left}${'─'.repeat(keyWidth)}${middle}${'─'.repeat(lineWidth)}${right}`;
  const row = (key: string, line: string) => `│ ${padded(key, keyWidth - 2)} │ ${padded(line, lineWidth - 2)} │`;
  const drawn = [rule('┌', '┬', '┐'), row(keyHead, 'event')];
  for (const { key, lines } of rows) {
    drawn.push(rule('├', '┼', '┤'));
    // Cut by display width to fit the column less its padding.
    lines.flatMap((line) => cut(line, lineWidth - 2)).forEach((piece, i) => drawn.push(row(i === 0 ? key : '', piece)));
  }
  drawn.push(rule('└', '┴', '┘'));
  return drawn.join('\n');
};

/** Text followed by spaces up to `width` display columns. */
const padded = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - (PRINTABLE_ASCII.test(text) ? text.length : stringWidth(text))));

export const short = (id: unknown): string => (typeof id === 'string' ? id.slice(0, 8) : '');

/** `customer:826ac056-...` → `customer:826ac056`: who, without the whole id. */
export const actor = (value: unknown): string => {
  const text = String(value ?? '');
  const [kind, id] = text.split(/:(.*)/);
  return id && /^[0-9a-f-]{36}$/.test(id) ? `${kind}:${id.slice(0, 8)}` : text;
};

/** Runs a tool's main function: its error, if any, is printed without a stack and exits 1. */
export const run = (main: () => Promise<number | void>) => {
  // A reader that stops reading (`| head`) has had what it wanted: no EPIPE error with its stack.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? process.exit(0) : undefined));
  main().then(
    (code) => exit(code ?? 0),
    async (error: unknown) => {
      // A store file found damaged as the tool read it (SQLite's error names no file): named, as the server names it.
      const dataDir = dataDirOrUndefined();
      const damaged = dataDir === undefined ? undefined : await damagedStoreFile(dataDir, error).catch(() => undefined);
      console.error(damaged ? `data: ${damaged.message}` : error instanceof Error ? `error: ${error.message}` : error);
      exit(1);
    },
  );
};

/** This environment's DATA_DIR, or undefined when its settings do not load (the tool's error says why). */
const dataDirOrUndefined = (): string | undefined => {
  try {
    return loadConfig().dataDir;
  } catch {
    return undefined;
  }
};

/**
 * Exits once stdout and stderr have taken everything written to them. Into a pipe, Node writes
 * asynchronously: process.exit() at once cut the answer off at 64 KiB (`audit --json | jq`
 * read half a document). An empty write's callback runs once everything before it is out.
 */
const exit = (code: number) => process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));

/**
 * Opens this environment's stores for a tool, and closes them whatever happens. What the stores
 * and runners log goes to stderr: stdout is the tool's answer (a table, JSON to parse), and a
 * log line there (a replayed event failing again, with its stack) is read as part of it.
 */
export const withTools = async (work: (tools: Tools) => Promise<number | void>): Promise<number | void> => {
  const config = loadConfig();
  const tools = await composeTools(config, pino(loggerOptions(config.logLevel), pino.destination(2)));
  try {
    return await work(tools);
  } finally {
    await tools.close();
  }
};
