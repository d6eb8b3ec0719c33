import type { RequestHandler } from 'express';
import { recordCarrierReport } from '../../commands/carrier-bookings.js';
import { UnauthorizedError } from '../../domain/shared/errors.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../infrastructure/carrier/webhook-signature.js';
import { bool, obj, oneOf, str, uuid } from '../../projections/json-schema.js';
import type { AppDeps } from '../deps.js';
import { CarrierEventBody } from '../dto/carrier.js';
import { answerWrite, commandContext } from '../http.js';
import { defineRoutes } from '../openapi/route-table.js';
import { bodyOrEmpty, parseDto } from '../validation.js';

/**
 * The carrier's webhook. No user signs in here: the carrier signs each report with
 * HMAC-SHA256 over `<X-Carrier-Timestamp>.<raw body>` (CARRIER_WEBHOOK_SECRET), checked on
 * the bytes received, before the body is read (../../infrastructure/carrier/webhook-signature.ts).
 */
const handlers = (deps: AppDeps) => {
  const receiveCarrierEvent: RequestHandler = async (req, res) => {
    const now = deps.clock();
    const verdict = verifySignature(
      deps.shipping.webhookSecret,
      { timestamp: req.get(TIMESTAMP_HEADER), signature: req.get(SIGNATURE_HEADER) },
      req.rawBody ?? Buffer.alloc(0),
      now,
    );
    if (!verdict.ok) throw new UnauthorizedError(`the report is not signed by the carrier: ${verdict.why}`);
    const report = await parseDto(CarrierEventBody, bodyOrEmpty(req.body));
    const result = await recordCarrierReport(deps.commands, report, commandContext(req, now));
    const { shipmentId, orderId, status, recorded, duplicate } = result;
    const body = { eventId: report.eventId, shipmentId, orderId, status, recorded, duplicate };
    answerWrite(res, deps.sessions, 200, body, result);
  };
  return { receiveCarrierEvent };
};

const SHIPMENT_ID = '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f';
const ORDER_ID = '0e6f3a8b-1c2d-4e5f-9a0b-7c8d9e0f1a2b';

export const carrierRoutes = defineRoutes({
  prefix: '/carrier',
  edge: 'api',
  tag: 'Shipping',
  routes: {
    receiveCarrierEvent: {
      method: 'post', path: '/events', role: 'anonymous', summary: "The carrier's progress reports (signed webhook)",
      description:
        'Sent by the carrier, not by users. Signed with HMAC-SHA256 over `<X-Carrier-Timestamp>.<raw body>` with CARRIER_WEBHOOK_SECRET: ' +
        '`X-Carrier-Timestamp: <unix seconds>`, `X-Carrier-Signature: sha256=<hex>`. A missing or wrong signature, or a timestamp more than ' +
        '5 minutes from now, is 401 and records nothing. A repeated `eventId` records nothing and answers 200 with `duplicate: true` ' +
        'and the status recorded under it. Once the parcel was reported delivered, a later report (another `eventId`) is old news: it records ' +
        'nothing, emails nobody, and answers 200 with `recorded: false`, `duplicate: false`. `ETag` is the shipment\'s revision. ' +
        '`Delivered` delivers the order (OrderDelivered, with its review invitation); `DeliveryFailed` emails the customer and the admins. ' +
        '404 for an unknown shipment; 422 when the shipment was not shipped under that carrier reference and tracking number, or for an ' +
        '`occurredAt` later than now by more than the signature\'s 5 minutes (a report\'s time orders it among the others: an older one changes nothing).',
      body: CarrierEventBody,
      success: {
        status: 200,
        description: 'Recorded now (`recorded`), recorded before under this `eventId` (`duplicate`, with the status recorded then), or neither: the parcel was delivered before.',
        schema: obj({ eventId: str(), shipmentId: uuid(), orderId: uuid(), status: oneOf('InTransit', 'Delivered', 'DeliveryFailed'), recorded: bool(), duplicate: bool() }),
      },
      problems: [401, 404, 422], headers: ['X-Carrier-Signature'],
      example: {
        body: { eventId: 'evt_0a1b2c3d', shipmentId: SHIPMENT_ID, reference: 'SC-0A1B2C3D4E5F', trackingNumber: 'TRK0A1B2C3D4E5F6A7B', status: 'Delivered', occurredAt: '2026-01-31T12:00:00Z' },
        response: { eventId: 'evt_0a1b2c3d', shipmentId: SHIPMENT_ID, orderId: ORDER_ID, status: 'Delivered', recorded: true, duplicate: false },
      },
    },
  },
  handlers,
});
