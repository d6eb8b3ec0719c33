import { expect } from 'chai';
import { MAX_QUANTITY, inventoryDecider, levels } from '../../src/domain/inventory/inventory.js';
import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from '../../src/domain/shared/errors.js';
import { ORDER_A, ORDER_B, OTHER_PRODUCT, SKU, adjust, adjusted, catchError, dispatch, given, low, outOfStock, receive, received, register, registered, release, released, reservationFailed, reserve, reserved, stateOf, tracked } from './inventory-fixtures.js';

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
