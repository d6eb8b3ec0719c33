import { JSONSchema } from 'class-validator-jsonschema';
import { Text, QueryInt } from '../input/text-rules.js';

// Decorators run bottom-up and stop at the first failure: the house rule last, finer rules on top.

export class AuditOrderQuery {
  /** A time (ISO 8601) or a revision of the order stream; checked by parseAsOf. */
  @JSONSchema({
    description: 'A revision of the stream (decimal digits), or a time: an ISO 8601 date or date-time, UTC when no offset is given.',
    anyOf: [{ pattern: '^\\d{1,15}$' }, { format: 'date-time' }, { format: 'date' }],
  })
  @Text({ max: 64, optional: true, blank: 'absent' })
  asOf?: string;
}

export class AuditStreamQuery extends AuditOrderQuery {
  @QueryInt({ min: 0, max: Number.MAX_SAFE_INTEGER, optional: true })
  fromRevision?: number;

  @QueryInt({ min: 1, max: 5000 })
  limit: number = 1000;
}
