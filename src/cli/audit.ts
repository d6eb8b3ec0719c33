import 'reflect-metadata';
import { Command } from 'commander';
import { validate as isUuid } from 'uuid';
import { auditOrder, auditStream, parseAsOf, type OrderAudit, type StreamAudit } from '../operations/audit.js';
import { actor, compact, run, short, table, withTools } from './output.js';

/**
 * `npm run audit -- <stream | order id> [--as-of <time|revision>] [--json]`
 * A stream: every event with its metadata and the state after it. An order id: the
 * order's state and its timeline across every stream its saga touched.
 */

const program = new Command('audit')
  .description('Replay the audit trail of a stream or an order')
  .argument('<target>', 'a stream name (order-<id>, inventory-<sku>, customer-<id>, ...) or an order id')
  .option('--as-of <time|revision>', 'the state as of an ISO time or a stream revision')
  .option('--from <revision>', 'list events from this revision of the stream', '0')
  .option('--limit <count>', 'list at most this many events', '1000')
  .option('--json', 'print JSON instead of tables')
  .showHelpAfterError();

run(async () => {
  program.parse();
  const [target] = program.args as [string];
  const options = program.opts<{ asOf?: string; json?: boolean; from: string; limit: string }>();
  const window = { fromRevision: wholeNumber(options.from, '--from'), limit: wholeNumber(options.limit, '--limit') };
  return withTools(async (tools) => {
    const asOf = parseAsOf(options.asOf);
    const result = isUuid(target) ? await auditOrder(tools, target.toLowerCase(), asOf) : await auditStream(tools, target, asOf, window);
    console.log(options.json ? JSON.stringify(result, null, 2) : 'timeline' in result ? orderTables(result) : streamTables(result));
  });
});

function wholeNumber(raw: string, option: string): number {
  if (!/^\d{1,9}$/.test(raw)) throw new Error(`${option} must be a whole number`);
  return Number(raw);
}

const streamTables = (audit: StreamAudit) => {
  const rows = audit.events.map((e) => [
    String(e.revision),
    String(e.position),
    e.occurredAt,
    e.type + (e.storedSchemaVersion < Number(e.metadata.schemaVersion ?? 1) ? ` (stored v${e.storedSchemaVersion})` : ''),
    actor(e.metadata.actor),
    `${short(e.metadata.correlationId)} / ${short(e.metadata.causationId)}`,
    compact(e.data),
    compact(e.stateAfter),
  ]);
  const heading = `${audit.streamName}: ${audit.events.length} events`;
  const when = audit.asOf ? `as of ${'revision' in audit.asOf ? `revision ${audit.asOf.revision}` : audit.asOf.time}` : 'now';
  return [
    heading,
    table(['rev', 'pos', 'occurred at', 'type', 'actor', 'correlation / causation', 'data', 'state after'], rows, [6, 8, 26, 27, 24, 21, 0, 0]),
    `state ${when}:`,
    JSON.stringify(audit.state, null, 2),
  ].join('\n');
};

const orderTables = (audit: OrderAudit) => {
  const rows = audit.timeline.map((e) => [
    String(e.position),
    e.occurredAt,
    e.streamName,
    e.type,
    actor(e.metadata.actor),
    `${short(e.metadata.correlationId)} / ${short(e.metadata.causationId)}`,
    compact(e.data),
  ]);
  const when = audit.asOf ? `as of ${'revision' in audit.asOf ? `revision ${audit.asOf.revision}` : audit.asOf.time}` : 'now';
  return [
    `order ${audit.orderId}: ${audit.timeline.length} events across ${new Set(audit.timeline.map((e) => e.streamName)).size} streams`,
    table(['pos', 'occurred at', 'stream', 'type', 'actor', 'correlation / causation', 'data'], rows, [8, 26, 44, 27, 24, 21, 0]),
    `order ${when}:`,
    JSON.stringify(audit.state, null, 2),
  ].join('\n');
};
