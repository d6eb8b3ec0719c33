import type { RequestHandler } from 'express';
import { deliverShipment, dispatchShipment } from '../../commands/shipments.js';
import { dispatchWithCarrier } from '../../commands/carrier-bookings.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../domain/shared/errors.js';
import { getShipment, listShipments, type ShipmentView } from '../../projections/shipments/shipments.js';
import type { AppDeps } from '../deps.js';
import { deliveredSchema, dispatchedSchema, shipmentPageSchema, shipmentSchema } from '../../projections/shipments/schemas.js';
import { uuid } from '../../projections/json-schema.js';
import { defineRoutes } from '../openapi/route-table.js';
import { DispatchBody, ListShipmentsQuery } from '../dto/orders.js';
import { answerWrite, commandContext, uuidParam } from '../http.js';
import { bodyOrEmpty, parseDto, parseQuery } from '../validation.js';
import { findCaughtUp } from '../fresh-reads.js';

/** The warehouse (admins): what to ship, dispatch with a tracking number, confirm delivery. */
const handlers = (deps: AppDeps) => {
  const shipments = deps.readModels.collection<ShipmentView>('shipments');

  const listShipmentsToShip: RequestHandler = async (req, res) => {
    res.json(await listShipments(shipments, await parseQuery(ListShipmentsQuery, req.query)));
  };

  const viewShipment: RequestHandler = async (req, res) => {
    const shipmentId = uuidParam(req, 'id', 'shipment');
    const shipment = await findCaughtUp(deps, () => getShipment(shipments, shipmentId));
    if (!shipment) throw new NotFoundError('shipment not found');
    res.json(shipment);
  };

  // Where the shipment is read (every dispatch answer names it, as the contract says).
  const shipmentUrl = (shipmentId: string) => `/api/v1/shipments/${shipmentId}`;

  // Book with the carrier and ship (200), or 202 while the carrier has not answered (a job goes on booking); 422 when
  // it refuses; 409 unless the order is confirmed. With a tracking number: handed over by hand, no booking.
  const dispatch: RequestHandler = async (req, res) => {
    const shipmentId = uuidParam(req, 'id', 'shipment');
    const { trackingNumber } = await parseDto(DispatchBody, bodyOrEmpty(req.body));
    const context = commandContext(req, deps.clock());
    if (trackingNumber !== undefined) {
      const result = await dispatchShipment(deps.commands, shipmentId, trackingNumber, context);
      // A shipment ships once: its number again is a repeat (200); another number would be answered with the first
      // one while the parcel under it goes untracked (the command appended nothing).
      if (result.trackingNumber !== trackingNumber) {
        throw new ConflictError(`shipment ${shipmentId} was shipped already, under tracking number ${result.trackingNumber}`);
      }
      return answerWrite(res, deps.sessions, 200, { shipmentId, orderId: result.orderId, trackingNumber: result.trackingNumber, status: 'Shipped' }, { ...result, location: shipmentUrl(shipmentId) });
    }
    const { orderId, outcome, orderRevision, position } = await dispatchWithCarrier(deps.shipping, shipmentId, context);
    switch (outcome.outcome) {
      case 'shipped':
        return answerWrite(res, deps.sessions, 200, { shipmentId, orderId, trackingNumber: outcome.trackingNumber, status: 'Shipped' }, { revision: outcome.revision, position: outcome.position ?? position, location: shipmentUrl(shipmentId) });
      case 'refused':
        throw new UnprocessableError(`the carrier refused to book shipment ${shipmentId}: ${outcome.reason}`);
      case 'pending':
        return answerWrite(res, deps.sessions, 202, { shipmentId, orderId, trackingNumber: null, status: 'Booking' }, { revision: orderRevision, position, location: shipmentUrl(shipmentId) });
      case 'settled':
        throw new ConflictError(`shipment ${shipmentId} changed while it was being booked: look at it again`);
    }
  };

  const deliver: RequestHandler = async (req, res) => {
    const result = await deliverShipment(deps.commands, uuidParam(req, 'id', 'shipment'), commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, { shipmentId: result.shipmentId, orderId: result.orderId, status: result.status }, result);
  };

  return { listShipmentsToShip, viewShipment, dispatch, deliver };
};

const SHIPMENT_ID = '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f';
const ORDER_ID = '0e6f3a8b-1c2d-4e5f-9a0b-7c8d9e0f1a2b';
const SHIPMENT = {
  shipmentId: SHIPMENT_ID, orderId: ORDER_ID, customerId: '5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b', status: 'Preparing', trackingNumber: null,
  lines: [{ productId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: { amount: 1500, currency: 'USD' } }],
  shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
};
const id = { id: uuid() };

export const shipmentRoutes = defineRoutes({
  prefix: '/shipments',
  edge: 'api',
  tag: 'Shipping',
  routes: {
    listShipmentsToShip: {
      method: 'get', path: '/', role: 'admin', summary: 'Shipments, oldest change first, by status',
      query: ListShipmentsQuery,
      success: { status: 200, description: 'One page of shipments.', schema: shipmentPageSchema },
      problems: [], example: { query: { status: 'Preparing' }, response: { items: [SHIPMENT], total: 1, page: 1, pageSize: 20 } },
    },
    viewShipment: {
      method: 'get', path: '/:id', role: 'admin', summary: 'One shipment', params: id,
      success: { status: 200, description: 'The shipment.', schema: shipmentSchema },
      problems: [404], example: { response: SHIPMENT },
    },
    dispatch: {
      method: 'post', path: '/:id/dispatch', role: 'admin', summary: 'Book with the carrier and ship; 409 unless the order is confirmed',
      description:
        'Without a body the shop books the shipment with the carrier (idempotently: a repeat books nothing more) and waits up to ' +
        'CARRIER_TIMEOUT_MS for its answer: booked → 200 with the carrier\'s tracking number (OrderShipped); refused (an address it does ' +
        'not serve) → 422 naming the reason, no OrderShipped (ShipmentBookingRefused; dispatch again after amending the address); no ' +
        'answer in time → 202 `status: "Booking"`: a durable job goes on booking, retried with back-off, parked (GET /admin/parked-jobs) ' +
        'after its limit; the order ships when the carrier answers. With `trackingNumber` the parcel was handed over by other means: no ' +
        'booking, no carrier reports (deliver by hand). If-Match names the order\'s revision.',
      params: id, body: DispatchBody, bodyOptional: true,
      success: { status: [200, 202], description: 'Dispatched (200), or being booked (202).', schema: dispatchedSchema },
      problems: [404, 409, 422], headers: ['If-Match', 'ETag', 'Location'],
      example: { body: {}, response: { shipmentId: SHIPMENT_ID, orderId: ORDER_ID, trackingNumber: 'TRK0A1B2C3D4E5F6A7B', status: 'Shipped' } },
    },
    deliver: {
      method: 'post', path: '/:id/deliver', role: 'admin', summary: 'Confirm delivery', params: id,
      success: { status: 200, description: 'Delivered.', schema: deliveredSchema },
      problems: [404, 409], headers: ['If-Match', 'ETag'],
      example: { response: { shipmentId: SHIPMENT_ID, orderId: ORDER_ID, status: 'Delivered' } },
    },
  },
  handlers,
});
