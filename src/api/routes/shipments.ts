import { Router } from 'express';
import { deliverShipment, dispatchShipment } from '../../commands/shipments.js';
import { NotFoundError } from '../../domain/shared/errors.js';
import { getShipment, listShipments, type ShipmentView } from '../../projections/shipments/shipments.js';
import { requireAdmin } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { DispatchBody, ListShipmentsQuery } from '../dto/orders.js';
import { answerWrite, commandContext, uuidParam } from '../http.js';
import { parseDto, parseQuery } from '../validation.js';

/** The warehouse (admins): what to ship, dispatch with a tracking number, confirm delivery. */
export const shipmentRoutes = (deps: AppDeps): Router => {
  const router = Router();
  const shipments = deps.readModels.collection<ShipmentView>('shipments');
  router.use(requireAdmin);

  router.get('/', async (req, res) => {
    res.json(await listShipments(shipments, await parseQuery(ListShipmentsQuery, req.query)));
  });

  router.get('/:id', async (req, res) => {
    const shipment = await getShipment(shipments, uuidParam(req, 'id', 'shipment'));
    if (!shipment) throw new NotFoundError('shipment not found');
    res.json(shipment);
  });

  // Hand over to the carrier; 409 unless the order is confirmed (e.g. it was cancelled).
  router.post('/:id/dispatch', async (req, res) => {
    const shipmentId = uuidParam(req, 'id', 'shipment');
    const { trackingNumber } = await parseDto(DispatchBody, req.body ?? {});
    const result = await dispatchShipment(deps.commands, shipmentId, trackingNumber, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, { shipmentId, orderId: result.orderId, trackingNumber: result.trackingNumber }, result);
  });

  router.post('/:id/deliver', async (req, res) => {
    const result = await deliverShipment(deps.commands, uuidParam(req, 'id', 'shipment'), commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, { shipmentId: result.shipmentId, orderId: result.orderId, status: result.status }, result);
  });

  return router;
};
