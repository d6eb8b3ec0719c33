import { expect } from 'chai';
import { SETTLED_BATCH, SETTLED_ORDERS_KEPT, inventoryDecider, levels, reservationOf, type Inventory } from '../../src/domain/inventory/inventory.js';
import { IllegalStateError, NotFoundError } from '../../src/domain/shared/errors.js';
import { NEW_ORDER, ORDER_A, ORDER_B, ORDER_C, SKU, Tracked, adjust, adjusted, dispatch, dispatched, given, outOfStock, received, registered, release, released, rememberedSettled, reservationFailed, reserve, reserved, settledAfter, stateOf } from './inventory-fixtures.js';

describe('Inventory: reservations', () => {
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
});
