import { JSONSchema } from 'class-validator-jsonschema';
import { Text, QueryInt } from '../input/text-rules.js';
import { AS_OF_TIME, AUDIT_PAGE } from '../../operations/audit.js';

// Decorators run bottom-up and stop at the first failure: the house rule last, finer rules on top.

export class AuditOrderQuery {
  /** A time (ISO 8601) or a revision of the order stream; checked by parseAsOf. */
  @JSONSchema({
    description:
      'A revision of the stream (decimal digits), or a time: an ISO 8601 date (`2026-01-02`) or date-time (`2026-01-02T03:04`, seconds and a fraction optional), ' +
      'UTC when no offset (`Z`, `+02:00`) is given; a day of the calendar and a time of the day (`2026-02-30`, `24:00` and leap seconds are none).',
    // The forms parseAsOf reads, exactly (see AS_OF_TIME).
    anyOf: [{ pattern: '^\\d{1,15}$' }, { pattern: AS_OF_TIME.source }],
  })
  @Text({ max: 64, optional: true, blank: 'absent', verbatim: true })
  asOf?: string;
}

export class AuditStreamQuery extends AuditOrderQuery {
  @JSONSchema({ description: 'The first revision listed (default 0); a page\'s `nextFromRevision` gives the next page\'s.' })
  @QueryInt({ min: 0, max: Number.MAX_SAFE_INTEGER, optional: true })
  fromRevision?: number;

  @JSONSchema({ description: `At most this many events (default ${AUDIT_PAGE.events}, at most ${AUDIT_PAGE.maxEvents}); fewer when their JSON passes ${AUDIT_PAGE.bytes / 1024 / 1024} MiB.` })
  @QueryInt({ min: 1, max: AUDIT_PAGE.maxEvents })
  limit: number = AUDIT_PAGE.events;
}
