import { IsIn, IsISO8601, Matches } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { CARRIER_STATUSES, type CarrierStatus } from '../../infrastructure/carrier/carrier.js';
import { Id, Text } from '../input/text-rules.js';

/** A carrier's report (POST /api/v1/carrier/events), once its signature holds. */
export class CarrierEventBody {
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'must be letters, digits, "_", ".", ":" or "-"' })
  @Text({ max: 100 })
  eventId!: string;

  @Id({ message: "must be the shop's shipment id" })
  shipmentId!: string;

  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'must be letters, digits, "_", ".", ":" or "-"' })
  @Text({ max: 100 })
  reference!: string;

  @Matches(/^[A-Za-z0-9-]{4,40}$/, { message: 'must be 4-40 letters, digits or "-"' })
  @Text({ max: 40 })
  trackingNumber!: string;

  @IsIn(CARRIER_STATUSES)
  @Text({ max: 20, verbatim: true })
  status!: CarrierStatus;

  @JSONSchema({ format: 'date-time', description: 'When it happened: a real time (ISO 8601 with its offset), not later than now by more than 5 minutes.' })
  // The shape, then a time that exists (no month 13, second 60 or offset +24:00: Date.parse reads those anyway, as other times).
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'must be a real time: ISO 8601, such as 2026-01-31T12:00:00Z' })
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/, { message: 'must be an ISO 8601 time such as 2026-01-31T12:00:00Z' })
  @Text({ max: 40 })
  occurredAt!: string;

  @Text({ max: 500, optional: true })
  reason?: string;
}
