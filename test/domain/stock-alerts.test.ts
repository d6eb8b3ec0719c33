import { expect } from 'chai';
import {
  inventoryDecider,
  inventoryDeciderFor,
  stockStatus,
  type InventoryCommand,
  type InventoryEvent,
} from '../../src/domain/inventory/inventory.js';
import type {
  BackInStockRequested,
  BackInStockWithdrawn,
  InventoryBackInStock,
  InventoryOutOfStock,
  LowStockThresholdSet,
  StockLevelLow,
} from '../../src/domain/inventory/stock-alerts.js';
import { ConflictError, NotFoundError, ValidationError } from '../../src/domain/shared/errors.js';
import { specFor } from '../support/given-when-then.js';

const { given } = specFor(inventoryDecider);

describe('Inventory stock alerts (default threshold 5)', () => {
  describe('when available falls below the threshold', () => {
    it('decides StockLevelLow with the adjustment that crosses it', () =>
      given(stocked(6)).when(adjust(-2)).then([adjusted(-2), low(4, 5)]));

    it('decides StockLevelLow with the reservation that crosses it', () =>
      given(stocked(5)).when(reserve('o-1', 1)).then([reserved('o-1', 1), low(4, 5)]));

    it('decides nothing more on further decrements below it (one alert per crossing)', () => {
      given([...stocked(6), adjusted(-2), low(4, 5)]).when(adjust(-1)).then([adjusted(-1)]);
      given([...stocked(6), adjusted(-2), low(4, 5), adjusted(-1)]).when(reserve('o-1', 1)).then([reserved('o-1', 1)]);
    });

    it('decides nothing while available stays at or above the threshold', () =>
      given(stocked(10)).when(adjust(-5)).then([adjusted(-5)]));

    it('alerts again after climbing back to the threshold and falling below it again', () => {
      const history = [...stocked(6), adjusted(-2), low(4, 5), received(3)];
      given(history).when(adjust(-4)).then([adjusted(-4), low(3, 5)]);
    });

    it('never alerts low with a threshold of 0', () =>
      given([...stocked(6), thresholdSet(0)]).when(adjust(-5)).then([adjusted(-5)]));
  });

  describe('when available falls to 0', () => {
    it('decides InventoryOutOfStock alone (not low as well)', () =>
      given(stocked(8)).when(adjust(-8)).then([adjusted(-8), outOfStock()]));

    it('decides it when a reservation takes the last ones', () =>
      given(stocked(3)).when(reserve('o-1', 3)).then([reserved('o-1', 3), outOfStock()]));

    it('decides it from low as well', () =>
      given([...stocked(6), adjusted(-2), low(4, 5)]).when(adjust(-4)).then([adjusted(-4), outOfStock()]));

    it('decides nothing for a refused reservation, which moves no stock', () =>
      given([...stocked(6), adjusted(-6), outOfStock()]).when(reserve('o-1', 1)).then([reservationFailed('o-1', 1, 0)]));
  });

  describe('when out of stock', () => {
    const out = () => [...stocked(3), reserved('o-1', 3), outOfStock()];

    it('decides InventoryBackInStock on a receipt', () => given(out()).when(receive(2)).then([received(2), backInStock(2)]));

    it('decides InventoryBackInStock when a reservation is released', () =>
      given(out()).when(release('o-1')).then([released('o-1', 3), backInStock(3)]));

    it('decides InventoryBackInStock on an adjustment up', () => given(out()).when(adjust(7)).then([adjusted(7), backInStock(7)]));

    it('is out of stock only once: back in stock ends it, a later 0 is a new crossing', () => {
      const again = [...out(), received(2), backInStock(2)];
      given(again).when(adjust(-2)).then([adjusted(-2), outOfStock()]);
    });

    it('takes a notify-me request', () => given(out()).when(notifyMe('c-1')).then([requested('c-1')]));

    it('takes one request per customer: asking again decides nothing', () =>
      given([...out(), requested('c-1')]).when(notifyMe('c-1')).then([]));

    it('names every shopper waiting in InventoryBackInStock, in the order they asked', () =>
      given([...out(), requested('c-1'), requested('c-2')]).when(receive(4)).then([received(4), backInStock(4, ['c-1', 'c-2'])]));

    it('forgets the shoppers it told: a new request is needed for the next time', () => {
      const told = [...out(), requested('c-1'), received(4), backInStock(4, ['c-1'])];
      expect(given(told).state()).to.deep.include({ watchers: [], stockedOut: false });
      given([...told, adjusted(-4), outOfStock()]).when(receive(1)).then([received(1), backInStock(1)]);
      given([...told, adjusted(-4), outOfStock()]).when(notifyMe('c-1')).then([requested('c-1')]);
    });
  });

  describe('when never stocked yet (a new SKU at 0)', () => {
    it('decides no back-in-stock on its first receipt', () => given([registered()]).when(receive(10)).then([received(10)]));

    it('takes a notify-me request, and its first receipt is back in stock for that shopper', () => {
      given([registered()]).when(notifyMe('c-1')).then([requested('c-1')]);
      given([registered(), requested('c-1')]).when(receive(1)).then([received(1), backInStock(1, ['c-1'])]);
    });

    it('is not low on a receipt below the threshold (available never fell)', () =>
      given([registered()]).when(receive(2)).then([received(2)]));
  });

  describe('notify-me', () => {
    it('is refused while the product is in stock (409)', () =>
      given(stocked(1)).when(notifyMe('c-1')).thenThrows(ConflictError, /in stock/));

    it('is refused for an unknown SKU', () => given([]).when(notifyMe('c-1')).thenThrows(NotFoundError));

    it('is taken while everything on hand is reserved', () =>
      given([...stocked(2), reserved('o-1', 2), outOfStock()]).when(notifyMe('c-1')).then([requested('c-1')]));
  });

  describe('withdrawing a notify-me request', () => {
    const out = () => [...stocked(3), reserved('o-1', 3), outOfStock()];

    it('ends a waiting request, with its reason', () => {
      given([...out(), requested('c-1')]).when(withdraw('c-1')).then([withdrawn('c-1')]);
      given([...out(), requested('c-1')]).when(withdraw('c-1', 'customer-erased')).then([withdrawn('c-1', 'customer-erased')]);
    });

    it('decides nothing for a shopper not waiting: never asked, told already, withdrawn already', () => {
      given(out()).when(withdraw('c-1')).then([]);
      given([...out(), requested('c-1'), received(1), backInStock(1, ['c-1'])]).when(withdraw('c-1')).then([]);
      given([...out(), requested('c-1'), withdrawn('c-1')]).when(withdraw('c-1')).then([]);
    });

    it('leaves the others waiting, and the back-in-stock names only them', () => {
      const left = [...out(), requested('c-1'), requested('c-2'), withdrawn('c-1')];
      expect(given(left).state()).to.deep.include({ watchers: ['c-2'] });
      given(left).when(receive(1)).then([received(1), backInStock(1, ['c-2'])]);
    });

    it('leaves no back in stock to decide on a SKU never stocked out: nobody is left to tell', () =>
      given([registered(), requested('c-1'), withdrawn('c-1')]).when(receive(1)).then([received(1)]));

    it('takes a new request after a withdrawal', () => given([...out(), requested('c-1'), withdrawn('c-1')]).when(notifyMe('c-1')).then([requested('c-1')]));
  });

  describe('setting the threshold', () => {
    it('records it', () => given(stocked(10)).when(setThreshold(3)).then([thresholdSet(3)]));

    it('decides nothing when it is the one already set', () =>
      given([...stocked(10), thresholdSet(3)]).when(setThreshold(3)).then([]));

    it('records a threshold equal to the default (it is the SKU\'s own from then on)', () =>
      given(stocked(10)).when(setThreshold(5)).then([thresholdSet(5)]));

    it('is a crossing when raised above what is available', () =>
      given(stocked(7)).when(setThreshold(10)).then([thresholdSet(10), low(7, 10)]));

    it('is no second alert when the SKU is low already', () =>
      given([...stocked(6), adjusted(-2), low(4, 5)]).when(setThreshold(10)).then([thresholdSet(10)]));

    it('is no low alert when out of stock', () =>
      given([...stocked(1), adjusted(-1), outOfStock()]).when(setThreshold(10)).then([thresholdSet(10)]));

    it('uses the new threshold for the next crossing', () =>
      given([...stocked(20), thresholdSet(15)]).when(adjust(-6)).then([adjusted(-6), low(14, 15)]));

    for (const [label, threshold] of [
      ['negative', -1],
      ['fractional', 2.5],
      ['above the maximum', 1_000_001],
      ['not a number', Number.NaN],
    ] as const) {
      it(`refuses a threshold: ${label}, naming the field`, () => {
        given(stocked(1)).when(setThreshold(threshold)).thenThrows(ValidationError, /invalid threshold/);
        const error = thrownBy(() => inventoryDecider.decide(setThreshold(threshold), given(stocked(1)).state()));
        expect(error).to.be.instanceOf(ValidationError);
        expect((error as ValidationError).errors.map((e) => e.field)).to.deep.equal(['threshold']);
      });
    }

    it('cannot be set on an unknown SKU', () => given([]).when(setThreshold(3)).thenThrows(NotFoundError));
  });

  describe('with another default threshold (LOW_STOCK_THRESHOLD=10)', () => {
    const decider = inventoryDeciderFor(10);
    const decide = (history: InventoryEvent[], command: InventoryCommand) =>
      decider.decide(command, history.reduce(decider.evolve, decider.initialState()));

    it('alerts low at that default', () => expect(decide(stocked(10), adjust(-1))).to.deep.equal([adjusted(-1), low(9, 10)]));

    it("prefers the SKU's own threshold", () => expect(decide([...stocked(10), thresholdSet(3)], adjust(-1))).to.deep.equal([adjusted(-1)]));

    it('is the default decider itself for the default of 5 (one cache, one snapshot version)', () => {
      expect(inventoryDeciderFor(5)).to.equal(inventoryDecider);
      expect(decider.snapshotVersion).to.equal(inventoryDecider.snapshotVersion);
    });

    it('reports the threshold in force with the levels', () =>
      expect(stockStatus(given(stocked(7)).state(), 10)).to.deep.equal({
        sku: SKU, onHand: 7, reserved: 0, available: 7, threshold: 10, lowStock: true, outOfStock: false, waiting: 0,
      }));
  });

  describe('reading older logs', () => {
    it('folds StockAdjusted (the name before InventoryAdjusted) alike', () => {
      const legacy = { type: 'StockAdjusted', data: adjusted(-4).data } as InventoryEvent;
      expect(stockStatus(given([...stocked(10), legacy]).state(), 5)).to.include({ onHand: 6, available: 6 });
    });

    it('takes notify-me on a SKU at 0 that never announced out of stock, and tells that shopper when it is back', () => {
      const legacy = { type: 'StockAdjusted', data: adjusted(-3).data } as InventoryEvent;
      given([...stocked(3), legacy, requested('c-1')]).when(receive(2)).then([received(2), backInStock(2, ['c-1'])]);
    });
  });
});

// ------------------------------------------------------------------ fixtures

const SKU = 'SKU-1';
const PRODUCT = 'product-1';
const NOW = '2024-05-02T10:00:00.000Z';
const ids = { sku: SKU, productId: PRODUCT };

const registered = (): InventoryEvent => ({ type: 'InventoryItemRegistered', data: { ...ids, registeredAt: NOW } });
const received = (quantity: number): InventoryEvent => ({ type: 'StockReceived', data: { ...ids, quantity, receivedAt: NOW } });
const adjusted = (delta: number): Extract<InventoryEvent, { type: 'InventoryAdjusted' }> => ({
  type: 'InventoryAdjusted',
  data: { ...ids, delta, reason: 'stocktake', adjustedAt: NOW },
});
const reserved = (orderId: string, quantity: number): InventoryEvent => ({ type: 'StockReserved', data: { ...ids, orderId, quantity, reservedAt: NOW } });
const released = (orderId: string, quantity: number): InventoryEvent => ({ type: 'StockReleased', data: { ...ids, orderId, quantity, releasedAt: NOW } });
const reservationFailed = (orderId: string, requested: number, available: number): InventoryEvent => ({
  type: 'StockReservationFailed',
  data: { ...ids, orderId, requested, available, failedAt: NOW },
});
/** Registered and received `quantity` (no alert: a first receipt crosses nothing). */
const stocked = (quantity: number): InventoryEvent[] => [registered(), received(quantity)];

const low = (available: number, threshold: number): StockLevelLow => ({ type: 'StockLevelLow', data: { ...ids, available, threshold, detectedAt: NOW } });
const outOfStock = (): InventoryOutOfStock => ({ type: 'InventoryOutOfStock', data: { ...ids, detectedAt: NOW } });
const backInStock = (available: number, notify: string[] = []): InventoryBackInStock => ({
  type: 'InventoryBackInStock',
  data: { ...ids, available, notify, detectedAt: NOW },
});
const thresholdSet = (threshold: number): LowStockThresholdSet => ({ type: 'LowStockThresholdSet', data: { ...ids, threshold, setAt: NOW } });
const requested = (customerId: string): BackInStockRequested => ({ type: 'BackInStockRequested', data: { ...ids, customerId, requestedAt: NOW } });

const adjust = (delta: number): InventoryCommand => ({ type: 'AdjustStock', delta, reason: 'stocktake', now: NOW });
const receive = (quantity: number): InventoryCommand => ({ type: 'ReceiveStock', quantity, now: NOW });
const reserve = (orderId: string, quantity: number): InventoryCommand => ({ type: 'ReserveStock', orderId, quantity, now: NOW });
const release = (orderId: string): InventoryCommand => ({ type: 'ReleaseStock', orderId, now: NOW });
const setThreshold = (threshold: number): InventoryCommand => ({ type: 'SetLowStockThreshold', threshold, now: NOW });
const notifyMe = (customerId: string): InventoryCommand => ({ type: 'RequestBackInStockNotice', customerId, now: NOW });
const withdraw = (customerId: string, reason: BackInStockWithdrawn['data']['reason'] = 'customer-request'): InventoryCommand =>
  ({ type: 'WithdrawBackInStockNotice', customerId, reason, now: NOW });
const withdrawn = (customerId: string, reason: BackInStockWithdrawn['data']['reason'] = 'customer-request'): BackInStockWithdrawn =>
  ({ type: 'BackInStockWithdrawn', data: { ...ids, customerId, reason, withdrawnAt: NOW } });

const thrownBy = (act: () => unknown): unknown => {
  try {
    act();
  } catch (error) {
    return error;
  }
  return undefined;
};
