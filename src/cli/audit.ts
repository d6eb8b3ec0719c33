import 'reflect-metadata';
import { Command } from 'commander';
import { validate as isUuid } from 'uuid';
import { AUDIT_PAGE, auditOrder, auditStream, parseAsOf, type AsOf, type OrderAudit, type StreamAudit } from '../operations/audit.js';
import { actor, compact, pretty, records, run, short, visible, withTools, wrapped } from './output.js';

/**
 * `npm run audit -- <stream | order id> [--as-of <time|revision>] [--json]`
 * A stream: every event with its metadata and the state after it. An order id: the
 * order's state and its timeline across every stream its saga touched.
 */

const program = new Command('audit')
  .description('Replay the audit trail of a stream or an order')
  .argument('<target>', 'a stream name (order-<id>, inventory-<sku>, customer-<id>, ...) or an order id')
  .option('--as-of <time|revision>', 'the state as of an ISO time or a stream revision')
  .option('--from <revision>', 'list events from this revision of the stream (a stream only; default 0)')
  .option('--limit <count>', `list at most this many events (a stream only; default ${AUDIT_PAGE.events}; fewer when they pass ${AUDIT_PAGE.bytes / 1024 / 1024} MiB of JSON: the next page's --from is printed)`)
  .option('--json', 'print JSON instead of tables')
  .showHelpAfterError();

run(async () => {
  program.parse();
  const [target] = program.args as [string];
  const options = program.opts<{ asOf?: string; json?: boolean; from?: string; limit?: string }>();
  const order = isUuid(target);
  // An order's timeline runs across streams: a revision window of one stream means nothing there, and would be ignored.
  if (order && (options.from !== undefined || options.limit !== undefined)) throw new Error('--from and --limit list the events of a stream; an order\'s timeline is printed whole (audit its order-<id> stream for a window)');
  const window = { fromRevision: wholeNumber(options.from ?? '0', '--from', 0), limit: wholeNumber(options.limit ?? String(AUDIT_PAGE.events), '--limit', 1) };
  const asOf = asOfOption(options.asOf);
  return withTools(async (tools) => {
    const result = order ? await auditOrder(tools, target.toLowerCase(), asOf) : await auditStream(tools, target, asOf, window);
    console.log(options.json ? pretty(result) : 'timeline' in result ? orderTables(result) : streamTables(result));
  });
});

/**
 * `--as-of`, said back with what it takes when it is wrong. An empty one (`--as-of "$WHEN"` with
 * WHEN unset) is wrong too: read as no as-of, it would print the state now as the answer.
 */
function asOfOption(raw: string | undefined): AsOf | null {
  if (raw === undefined) return null;
  const asOf = raw.trim() === '' ? null : tryParse(raw);
  if (!asOf) throw new Error(`--as-of must be a revision (0, 1, ...) or an ISO 8601 time (2026-11-21T10:00:00Z; UTC without a zone), not ${JSON.stringify(raw)}`);
  return asOf;
}

function tryParse(raw: string): AsOf | null {
  try {
    return parseAsOf(raw);
  } catch {
    return null;
  }
}

function wholeNumber(raw: string, option: string, least: number): number {
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < least) throw new Error(`${option} must be a whole number from ${least}`);
  return Number(raw);
}

/** `2026-12-02T04:17:51.123Z` → `2026-12-02 04:17:51.123` (UTC, as stored). */
const time = (iso: string) => iso.replace('T', ' ').replace(/Z$/, '');

const causes = (metadata: Record<string, unknown>) =>
  `actor ${actor(metadata.actor)} · correlation ${short(metadata.correlationId)} · causation ${short(metadata.causationId)}`;

/** `12 events`, or the window of a longer stream: `events 100-149 of 566`. */
const shown = (audit: StreamAudit): string => {
  const { events, total } = audit;
  if (events.length === total) return `${total} event${total === 1 ? '' : 's'}`;
  if (events.length === 0) return `no events in the window asked for, of ${total}`;
  return `events ${events[0]!.revision}-${events[events.length - 1]!.revision} of ${total}`;
};

const asOfText = (asOf: StreamAudit['asOf']) => (asOf ? `as of ${'revision' in asOf ? `revision ${asOf.revision}` : asOf.time}` : 'now');

const streamTables = (audit: StreamAudit) => {
  const rows = audit.events.map((e) => {
    const upcast = e.storedSchemaVersion < Number(e.metadata.schemaVersion ?? 1) ? ` (stored v${e.storedSchemaVersion})` : '';
    return {
      key: String(e.revision),
      lines: [`${e.type}${upcast} · ${time(e.occurredAt)} · position ${e.position}`, causes(e.metadata), `data  ${compact(e.data)}`, `state ${compact(e.stateAfter)}`],
    };
  });
  return [
    wrapped(visible(`${audit.streamName}: ${shown(audit)}`)),
    records('rev', rows),
    ...(audit.nextFromRevision === null ? [] : [`next page: --from ${audit.nextFromRevision}`]),
    `state ${asOfText(audit.asOf)}:`,
    wrapped(pretty(audit.state)),
  ].join('\n');
};

const orderTables = (audit: OrderAudit) => {
  const rows = audit.timeline.map((e) => ({
    key: String(e.position),
    lines: [`${e.type} · ${e.streamName} · ${time(e.occurredAt)}`, causes(e.metadata), `data  ${compact(e.data)}`],
  }));
  return [
    wrapped(`order ${audit.orderId}: ${audit.timeline.length} events across ${new Set(audit.timeline.map((e) => e.streamName)).size} streams`),
    records('pos', rows),
    `order ${asOfText(audit.asOf)}:`,
    wrapped(pretty(audit.state)),
  ].join('\n');
};
