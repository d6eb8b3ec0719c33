import { expect } from 'chai';
import {
  MAX_QUANTITY,
  SETTLED_BATCH,
  SETTLED_ORDERS_KEPT,
  inventoryDecider,
  levels,
  reservationOf,
  type AdjustStock,
  type DispatchStock,
  type Inventory,
  type InventoryItemRegistered,
  type ReceiveStock,
  type RegisterInventoryItem,
  type ReleaseStock,
  type ReserveStock,
  type InventoryAdjusted,
  type StockDispatched,
  type StockReceived,
  type StockReleased,
  type StockReservationFailed,
  type StockReserved,
} from '../../src/domain/inventory/inventory.js';
import type { InventoryOutOfStock, StockLevelLow } from '../../src/domain/inventory/stock-alerts.js';
import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from '../../src/domain/shared/errors.js';
import { specFor } from '../support/given-when-then.js';

const { given } = specFor(inventoryDecider);

describe('Inventory', () => {
  describe('when the SKU is unknown', () => {
    it('is registered for the product that claims it', () =>
      given([]).when(register()).then([registered()]));

    it('cannot receive stock', () => given([]).when(receive(5)).thenThrows(NotFoundError, /unknown SKU/));

    it('cannot be adjusted', () => given([]).when(adjust(-1)).thenThrows(NotFoundError, /unknown SKU/));
  });

  describe('when the SKU is registered', () => {
    it('is not registered again for the same product', () =>
      given([registered()]).when(register()).then([]));

    it('cannot be registered by another product', () =>
      given([registered()]).when(register({ productId: OTHER_PRODUCT })).thenThrows(ConflictError, /SKU-1 belongs to another product/));

    it('receives stock', () => given([registered()]).when(receive(5)).then([received(5)]));

    it('receives the largest allowed quantity', () =>
      given([registered()]).when(receive(MAX_QUANTITY)).then([received(MAX_QUANTITY)]));

    for (const [label, quantity] of [
      ['zero', 0],
      ['a negative quantity', -3],
      ['a fractional quantity', 1.5],
      ['more than the maximum', MAX_QUANTITY + 1],
      ['not a number', Number.NaN],
    ] as const) {
      it(`rejects receiving ${label}`, () =>
        given([registered()]).when(receive(quantity)).thenThrows(ValidationError, /invalid quantity/));
    }

    it('names the quantity field when it rejects a quantity', () => {
      const error = catchError(() => inventoryDecider.decide(receive(0), stateOf([registered()])));
      expect(error).to.be.instanceOf(ValidationError);
      expect((error as ValidationError).errors.map((e) => e.field)).to.deep.equal(['quantity']);
    });

    it('is adjusted up', () => given([registered()]).when(adjust(4)).then([adjusted(4)]));

    it('is adjusted down to exactly nothing on hand', () =>
      given([registered(), received(5)]).when(adjust(-5)).then([adjusted(-5), outOfStock()]));

    it('keeps the reason trimmed', () =>
      given([registered(), received(5)]).when(adjust(-2, '  damaged  ')).then([adjusted(-2, 'damaged'), low(3, 5)]));

    it('cannot be adjusted below what is reserved (nothing reserved: below zero)', () =>
      given([registered(), received(5)]).when(adjust(-6)).thenThrows(IllegalStateError, /would leave -1 on hand, below the 0 reserved/));

    for (const [label, delta] of [
      ['zero', 0],
      ['a fractional delta', -0.5],
      ['more than the maximum up', MAX_QUANTITY + 1],
      ['more than the maximum down', -(MAX_QUANTITY + 1)],
    ] as const) {
      it(`rejects an adjustment by ${label}`, () =>
        given([registered(), received(5)]).when(adjust(delta)).thenThrows(ValidationError, /invalid delta/));
    }

    it('accepts an adjustment by the maximum', () =>
      given([registered()]).when(adjust(MAX_QUANTITY)).then([adjusted(MAX_QUANTITY)]));

    it('rejects an adjustment without a reason', () =>
      given([registered(), received(5)]).when(adjust(-1, '   ')).thenThrows(ValidationError, /a reason is required/));
  });

  describe('when stock is on hand', () => {
    const onHand = () => [registered(), received(10)];

    it('reserves for an order within what is available', () =>
      given(onHand()).when(reserve(ORDER_A, 4)).then([reserved(ORDER_A, 4)]));

    it('reserves exactly what is available', () => given(onHand()).when(reserve(ORDER_A, 10)).then([reserved(ORDER_A, 10), outOfStock()]));

    it('records a failed reservation, as a fact, for more than is available', () =>
      given(onHand()).when(reserve(ORDER_A, 11)).then([reservationFailed(ORDER_A, 11, 10)]));

    it('counts what other orders reserved', () =>
      given([...onHand(), reserved(ORDER_A, 6)]).when(reserve(ORDER_B, 5)).then([reservationFailed(ORDER_B, 5, 4)]));

    it('counts what other orders released again', () =>
      given([...onHand(), reserved(ORDER_A, 6), released(ORDER_A, 6)]).when(reserve(ORDER_B, 10)).then([reserved(ORDER_B, 10), outOfStock()]));

    for (const [label, quantity] of [
      ['zero', 0],
      ['a negative quantity', -2],
      ['a fractional quantity', 1.5],
    ] as const) {
      it(`refuses to reserve ${label}`, () =>
        given(onHand()).when(reserve(ORDER_A, quantity)).thenThrows(ValidationError, /invalid quantity/));
    }

    it('releases nothing for an order that reserved nothing', () => given(onHand()).when(release(ORDER_A)).then([]));

    it('dispatches nothing for an order that reserved nothing', () => given(onHand()).when(dispatch(ORDER_A)).then([]));
  });

  describe('when the SKU is unknown to reservations', () => {
    it('cannot reserve', () => given([]).when(reserve(ORDER_A, 1)).thenThrows(NotFoundError, /unknown SKU/));

    it('cannot release', () => given([]).when(release(ORDER_A)).thenThrows(NotFoundError, /unknown SKU/));

    it('cannot dispatch', () => given([]).when(dispatch(ORDER_A)).thenThrows(NotFoundError, /unknown SKU/));
  });

  describe('when an order has reserved stock', () => {
    const reservedStock = () => [registered(), received(10), reserved(ORDER_A, 4)];

    it('does not reserve twice for that order', () => given(reservedStock()).when(reserve(ORDER_A, 4)).then([]));

    it('does not reserve twice for that order, even another quantity', () => given(reservedStock()).when(reserve(ORDER_A, 1)).then([]));

    it('releases the reservation', () => given(reservedStock()).when(release(ORDER_A)).then([released(ORDER_A, 4)]));

    it('dispatches the reservation', () => given(reservedStock()).when(dispatch(ORDER_A)).then([dispatched(ORDER_A, 4)]));

    it('releases nothing for another order', () => given(reservedStock()).when(release(ORDER_B)).then([]));

    it('can be adjusted down to what is reserved', () => given(reservedStock()).when(adjust(-6)).then([adjusted(-6), outOfStock()]));

    it('cannot be adjusted below what is reserved', () =>
      given(reservedStock()).when(adjust(-7)).thenThrows(IllegalStateError, /would leave 3 on hand, below the 4 reserved/));

    it('shows the reservation in its levels', () =>
      expect(levels(stateOf(reservedStock()))).to.deep.equal({ sku: SKU, onHand: 10, reserved: 4, available: 6 }));
  });

  describe('when an order failed to reserve', () => {
    const failedReservation = () => [registered(), received(2), reservationFailed(ORDER_A, 5, 2)];

    it('does not reserve again for that order', () => given(failedReservation()).when(reserve(ORDER_A, 5)).then([]));

    it('does not reserve again for that order, even once stock arrived', () =>
      given([...failedReservation(), received(10)]).when(reserve(ORDER_A, 5)).then([]));

    it('releases nothing', () => given(failedReservation()).when(release(ORDER_A)).then([]));

    it('dispatches nothing', () => given(failedReservation()).when(dispatch(ORDER_A)).then([]));

    it('still reserves for other orders', () => given(failedReservation()).when(reserve(ORDER_B, 2)).then([reserved(ORDER_B, 2), outOfStock()]));

    it('leaves the levels as they were', () =>
      expect(levels(stateOf(failedReservation()))).to.deep.equal({ sku: SKU, onHand: 2, reserved: 0, available: 2 }));
  });

  describe('when a reservation was released', () => {
    const releasedStock = () => [registered(), received(10), reserved(ORDER_A, 4), released(ORDER_A, 4)];

    it('does not release it again', () => given(releasedStock()).when(release(ORDER_A)).then([]));

    it('does not dispatch it', () => given(releasedStock()).when(dispatch(ORDER_A)).then([]));

    it('does not reserve again for that order', () => given(releasedStock()).when(reserve(ORDER_A, 4)).then([]));

    it('can be adjusted down to nothing again', () => given(releasedStock()).when(adjust(-10)).then([adjusted(-10), outOfStock()]));

    it('makes the stock available again', () =>
      expect(levels(stateOf(releasedStock()))).to.deep.equal({ sku: SKU, onHand: 10, reserved: 0, available: 10 }));
  });

  describe('when a reservation was dispatched', () => {
    const dispatchedStock = () => [registered(), received(10), reserved(ORDER_A, 4), reserved(ORDER_B, 1), dispatched(ORDER_A, 4)];

    it('does not dispatch it again', () => given(dispatchedStock()).when(dispatch(ORDER_A)).then([]));

    it('does not release it', () => given(dispatchedStock()).when(release(ORDER_A)).then([]));

    it('does not reserve again for that order', () => given(dispatchedStock()).when(reserve(ORDER_A, 4)).then([]));

    it('has lowered both what is on hand and what is reserved', () =>
      expect(levels(stateOf(dispatchedStock()))).to.deep.equal({ sku: SKU, onHand: 6, reserved: 1, available: 5 }));

    it('can be adjusted down to what other orders still reserve', () => given(dispatchedStock()).when(adjust(-5)).then([adjusted(-5), outOfStock()]));

    it('cannot be adjusted below what other orders still reserve', () =>
      given(dispatchedStock()).when(adjust(-6)).thenThrows(IllegalStateError, /would leave 0 on hand, below the 1 reserved/));
  });

  describe('remembering orders', () => {
    it('keeps what happened to each order', () => {
      const state = stateOf([registered(), received(10), reserved(ORDER_A, 4), reservationFailed(ORDER_B, 20, 6), reserved(ORDER_C, 2), released(ORDER_A, 4)]);
      expect(reservationOf(state, ORDER_A)).to.deep.equal({ status: 'released', quantity: 4 });
      expect(reservationOf(state, ORDER_B)).to.deep.equal({ status: 'failed', quantity: 20 });
      expect(reservationOf(state, ORDER_C)).to.deep.equal({ status: 'reserved', quantity: 2 });
      expect(reservationOf(state, NEW_ORDER)).to.equal(undefined);
      expect(levels(state)).to.deep.equal({ sku: SKU, onHand: 10, reserved: 2, available: 8 });
    });

    it(`always remembers the latest ${SETTLED_ORDERS_KEPT} settled orders, forgetting older ones a batch of ${SETTLED_BATCH} at a time`, () => {
      let state = stateOf([registered(), received(10)]);
      const total = SETTLED_ORDERS_KEPT + 2 * SETTLED_BATCH;
      for (let i = 0; i < total; i += 1) {
        state = inventoryDecider.evolve(state, reservationFailed(`settled-${i}`, 1000, 10));
        expect(reservationOf(state, `settled-${Math.max(0, i - SETTLED_ORDERS_KEPT + 1)}`), `after ${i + 1}`).to.deep.equal({ status: 'failed', quantity: 1000 });
      }
      expect(rememberedSettled(state)).to.be.within(SETTLED_ORDERS_KEPT, SETTLED_ORDERS_KEPT + SETTLED_BATCH - 1);
      expect(reservationOf(state, 'settled-0')).to.equal(undefined);
      expect(inventoryDecider.decide(reserve('settled-0', 1), state)).to.deep.equal([reserved('settled-0', 1)]);
      expect(inventoryDecider.decide(reserve(`settled-${total - SETTLED_ORDERS_KEPT}`, 1), state)).to.deep.equal([]);
    });

    it('never forgets an open reservation, however old', () => {
      const state = settledAfter([registered(), received(10), reserved('open-0', 1)], SETTLED_ORDERS_KEPT + 2 * SETTLED_BATCH);
      expect(reservationOf(state, 'open-0')).to.deep.equal({ status: 'reserved', quantity: 1 });
      expect(inventoryDecider.decide(release('open-0'), state)).to.deep.equal([released('open-0', 1)]);
    });

    it('counts a reservation settled just now as recent', () => {
      const start = settledAfter([registered(), received(10), reserved(ORDER_A, 1)], SETTLED_ORDERS_KEPT + SETTLED_BATCH - 1);
      const state = inventoryDecider.evolve(start, dispatched(ORDER_A, 1));
      expect(reservationOf(state, ORDER_A)).to.deep.equal({ status: 'dispatched', quantity: 1 });
      expect(reservationOf(state, 'settled-0')).to.equal(undefined);
      expect(inventoryDecider.decide(dispatch(ORDER_A), state)).to.deep.equal([]);
    });

    it(`keeps ${SETTLED_ORDERS_KEPT} settled orders besides the open ones`, () => {
      const state = settledAfter([registered(), received(10), reserved('open-0', 1)], SETTLED_ORDERS_KEPT + 1);
      expect(inventoryDecider.decide(reserve('settled-1', 1), state)).to.deep.equal([]);
    });

    it('remembers a failure however many reservations are open', () => {
      const open = Array.from({ length: SETTLED_ORDERS_KEPT }, (_, i) => reserved(`open-${i}`, 1));
      const state = stateOf([registered(), received(SETTLED_ORDERS_KEPT), ...open, reservationFailed(NEW_ORDER, 1000, 0)]);
      expect(inventoryDecider.decide(reserve(NEW_ORDER, 1), state)).to.deep.equal([]);
      expect(reservationOf(state, 'open-0')).to.deep.equal({ status: 'reserved', quantity: 1 });
    });

    it('tells apart order ids that contain one another or the characters its batches are written with', () => {
      const ids = ['a', 'ba', 'a=b', 'x;y=z', '100%', 'a;b'];
      const state = stateOf([registered(), received(10), ...ids.map((id, i) => reservationFailed(id, i + 1, 0))]);
      for (const [i, id] of ids.entries()) expect(reservationOf(state, id), id).to.deep.equal({ status: 'failed', quantity: i + 1 });
      expect(reservationOf(state, 'b')).to.equal(undefined);
      expect(reservationOf(state, 'x')).to.equal(undefined);
      expect(reservationOf(state, 'y=z')).to.equal(undefined);
    });

    it('shares what an event does not touch with the state before it', () => {
      const before = settledAfter([registered(), received(1000), ...Array.from({ length: 500 }, (_, i) => reserved(`open-${i}`, 1))], 600) as Tracked;
      const after = inventoryDecider.evolve(before, reserved(NEW_ORDER, 1)) as Tracked;
      const changedBuckets = Object.keys(after.open).filter((b) => after.open[b] !== before.open[b]);
      expect(changedBuckets).to.have.length(1);
      expect(after.settled).to.equal(before.settled);
      const settledNow = inventoryDecider.evolve(after, released(NEW_ORDER, 1)) as Tracked;
      expect(settledNow.settled.slice(0, -1).every((batch, i) => batch === after.settled[i])).to.equal(true);
    });

    it('reads the same from a snapshot (its JSON) as from the fold', () => {
      const state = settledAfter([registered(), received(10), reserved(ORDER_A, 3)], 700);
      const revived = JSON.parse(JSON.stringify(state)) as Inventory;
      expect(revived).to.deep.equal(state);
      expect(inventoryDecider.decide(reserve(ORDER_A, 3), revived)).to.deep.equal([]);
      expect(inventoryDecider.decide(release(ORDER_A), revived)).to.deep.equal([released(ORDER_A, 3)]);
      expect(inventoryDecider.decide(reserve('settled-699', 1), revived)).to.deep.equal([]);
    });
  });

  describe('when the stock level is at the edge of safe integers', () => {
    const full = () => [registered(), received(Number.MAX_SAFE_INTEGER - 1)];

    it('receives what still fits', () => given(full()).when(receive(1)).then([received(1)]));

    it('refuses a receipt that would overflow', () =>
      given(full()).when(receive(2)).thenThrows(IllegalStateError, /stock level overflow/));

    it('refuses an upward adjustment that would overflow', () =>
      given(full()).when(adjust(2)).thenThrows(IllegalStateError, /stock level overflow/));
  });

  describe('levels', () => {
    it('are unknown before registration', () => expect(levels(stateOf([]))).to.equal(undefined));

    it('start at zero', () =>
      expect(levels(stateOf([registered()]))).to.deep.equal({ sku: SKU, onHand: 0, reserved: 0, available: 0 }));

    it('add receipts and adjustments up and down', () =>
      expect(levels(stateOf([registered(), received(10), received(5), adjusted(-3), adjusted(2)]))).to.deep.equal({
        sku: SKU,
        onHand: 14,
        reserved: 0,
        available: 14,
      }));

    it('keep the product and registration time', () =>
      expect(given([registered(), received(1)]).state()).to.deep.equal({
        ...tracked(),
        onHand: 1,
      }));

    it('ignore stock events of an unregistered SKU', () =>
      expect(given([received(5), adjusted(2)]).state()).to.deep.equal({ status: 'None' }));

    it('show available as on hand minus reserved', () =>
      expect(levels({ ...tracked(), onHand: 10, reserved: 4 })).to.deep.equal({ sku: SKU, onHand: 10, reserved: 4, available: 6 }));
  });
});

// ------------------------------------------------------------------ fixtures

const SKU = 'SKU-1';
const PRODUCT = 'product-1';
const OTHER_PRODUCT = 'product-2';
const ORDER_A = 'order-a';
const ORDER_B = 'order-b';
const ORDER_C = 'order-c';
const NEW_ORDER = 'order-new';
const REGISTERED_AT = '2024-05-01T09:00:00.000Z';
const NOW = '2024-05-02T10:00:00.000Z';

const stateOf = (events: Parameters<typeof given>[0]) => given(events).state();

const tracked = (): Extract<Inventory, { status: 'Tracked' }> => ({
  status: 'Tracked',
  sku: SKU,
  productId: PRODUCT,
  registeredAt: REGISTERED_AT,
  onHand: 0,
  reserved: 0,
  open: {},
  settled: [],
  threshold: null,
  stockedOut: false,
  watchers: [],
});

const register = (overrides: Partial<RegisterInventoryItem> = {}): RegisterInventoryItem => ({
  type: 'RegisterInventoryItem',
  sku: SKU,
  productId: PRODUCT,
  now: REGISTERED_AT,
  ...overrides,
});

const receive = (quantity: number): ReceiveStock => ({ type: 'ReceiveStock', quantity, now: NOW });

const adjust = (delta: number, reason = 'stock count'): AdjustStock => ({ type: 'AdjustStock', delta, reason, now: NOW });

const registered = (): InventoryItemRegistered => ({
  type: 'InventoryItemRegistered',
  data: { sku: SKU, productId: PRODUCT, registeredAt: REGISTERED_AT },
});

const received = (quantity: number): StockReceived => ({
  type: 'StockReceived',
  data: { sku: SKU, productId: PRODUCT, quantity, receivedAt: NOW },
});

const adjusted = (delta: number, reason = 'stock count'): InventoryAdjusted => ({
  type: 'InventoryAdjusted',
  data: { sku: SKU, productId: PRODUCT, delta, reason, adjustedAt: NOW },
});

const outOfStock = (): InventoryOutOfStock => ({ type: 'InventoryOutOfStock', data: { sku: SKU, productId: PRODUCT, detectedAt: NOW } });

const low = (available: number, threshold: number): StockLevelLow => ({
  type: 'StockLevelLow',
  data: { sku: SKU, productId: PRODUCT, available, threshold, detectedAt: NOW },
});

const reserve = (orderId: string, quantity: number): ReserveStock => ({ type: 'ReserveStock', orderId, quantity, now: NOW });

const release = (orderId: string): ReleaseStock => ({ type: 'ReleaseStock', orderId, now: NOW });

const dispatch = (orderId: string): DispatchStock => ({ type: 'DispatchStock', orderId, now: NOW });

const reserved = (orderId: string, quantity: number): StockReserved => ({
  type: 'StockReserved',
  data: { sku: SKU, productId: PRODUCT, orderId, quantity, reservedAt: NOW },
});

const reservationFailed = (orderId: string, requested: number, available: number): StockReservationFailed => ({
  type: 'StockReservationFailed',
  data: { sku: SKU, productId: PRODUCT, orderId, requested, available, failedAt: NOW },
});

const released = (orderId: string, quantity: number): StockReleased => ({
  type: 'StockReleased',
  data: { sku: SKU, productId: PRODUCT, orderId, quantity, releasedAt: NOW },
});

const dispatched = (orderId: string, quantity: number): StockDispatched => ({
  type: 'StockDispatched',
  data: { sku: SKU, productId: PRODUCT, orderId, quantity, dispatchedAt: NOW },
});

type Tracked = Extract<Inventory, { status: 'Tracked' }>;

/** The state after these events and then `count` orders refused for lack of stock (settled-0 is the oldest). */
const settledAfter = (events: Parameters<typeof given>[0], count: number): Inventory =>
  Array.from({ length: count }, (_, i) => reservationFailed(`settled-${i}`, 1000, 10)).reduce(inventoryDecider.evolve, stateOf(events));

const rememberedSettled = (state: Inventory) => (state.status === 'Tracked' ? state.settled.reduce((sum, batch) => sum + batch.count, 0) : 0);

const catchError = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};
