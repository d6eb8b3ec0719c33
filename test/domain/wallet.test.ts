import { expect } from 'chai';
import {
  MAX_PAYMENT_METHODS,
  containsCardNumber, looksLikeCardNumber, writtenCardNumberIn,
  tokenToPayWith,
  walletDecider,
  type ChooseDefaultPaymentMethod,
  type DefaultPaymentMethodChanged,
  type PaymentMethodRemoved,
  type PaymentMethodSaved,
  type RemovePaymentMethod,
  type SavePaymentMethod,
  type WalletEvent,
} from '../../src/domain/customer/wallet.js';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../../src/domain/shared/errors.js';
import { specFor } from '../support/given-when-then.js';

const { given } = specFor(walletDecider);

describe('Wallet (saved payment methods)', () => {
  describe('when empty', () => {
    it('saves the first method as the default', () => given([]).when(save()).then([saved({ isDefault: true })]));

    it('refuses a card number as a token', () =>
      given([]).when(save({ token: '4242 4242 4242 4242' })).thenThrows(ValidationError, /card number/));

    it('refuses a card number in the label, and takes a few digits there', () => {
      given([]).when(save({ label: 'My Visa 4242424242424242' })).thenThrows(ValidationError, /card number/);
      given([]).when(save({ label: 'Visa 4242' })).then([saved({ isDefault: true, label: 'Visa 4242' })]);
    });

    it('has nothing to remove', () => given([]).when(remove()).thenThrows(NotFoundError));

    it('has nothing to make the default', () => given([]).when(choose()).thenThrows(NotFoundError));
  });

  describe('with a default method', () => {
    const history = () => [saved({ isDefault: true })];

    it('saves another one, not the default', () =>
      given(history()).when(save({ paymentMethodId: ID_2, token: 'tok_mastercard', brand: 'mastercard', last4: '4444' })).then([
        saved({ paymentMethodId: ID_2, token: 'tok_mastercard', brand: 'mastercard', last4: '4444', isDefault: false }),
      ]));

    it('saves the same token again as nothing new', () => given(history()).when(save({ paymentMethodId: ID_2 })).then([]));

    it('refuses another token under an id it holds (409)', () =>
      given(history()).when(save({ token: 'tok_mastercard' })).thenThrows(ConflictError));

    it('removes the only method: no default is left', () => given(history()).when(remove()).then([removed()]));

    it('choosing the default again changes nothing', () => given(history()).when(choose()).then([]));

    it('pays with the method’s token', () => expect(tokenToPayWith(given(history()).state(), ID_1)).to.equal('tok_visa'));
  });

  describe('with two methods', () => {
    const history = (): WalletEvent[] => [saved({ isDefault: true }), saved({ paymentMethodId: ID_2, token: 'tok_mastercard', isDefault: false })];

    it('makes the other one the default', () => given(history()).when(choose({ paymentMethodId: ID_2 })).then([defaultChanged(ID_2)]));

    it('removing the default makes the oldest one left the default', () =>
      given(history()).when(remove()).then([removed(), defaultChanged(ID_2)]));

    it('removing one that is not the default keeps the default', () =>
      given(history()).when(remove({ paymentMethodId: ID_2 })).then([removed(ID_2)]));
  });

  describe('with a removed method', () => {
    const history = (): WalletEvent[] => [saved({ isDefault: true }), removed()];

    it('cannot remove it again (404)', () => given(history()).when(remove()).thenThrows(NotFoundError));

    it('cannot make it the default (404)', () => given(history()).when(choose()).thenThrows(NotFoundError));

    it('never gives its id to another method', () => given(history()).when(save({ token: 'tok_mastercard' })).thenThrows(ConflictError));

    it('saves its token again, under a new id, as the default', () =>
      given(history()).when(save({ paymentMethodId: ID_2 })).then([saved({ paymentMethodId: ID_2, isDefault: true })]));

    it('cannot pay: 422 saying it was removed', () =>
      expect(() => tokenToPayWith(given(history()).state(), ID_1)).to.throw(UnprocessableError, /removed/));
  });

  it(`keeps at most ${MAX_PAYMENT_METHODS} methods (422)`, () => {
    const full = Array.from({ length: MAX_PAYMENT_METHODS }, (_, i) => saved({ paymentMethodId: `id-${i}`, token: `tok_${i}`, isDefault: i === 0 }));
    given(full).when(save({ paymentMethodId: 'id-new', token: 'tok_new' })).thenThrows(UnprocessableError, /at most 20/);
  });

  it('cannot pay with an id it never held (422)', () => expect(() => tokenToPayWith(walletDecider.initialState(), ID_1)).to.throw(UnprocessableError));

  describe('what looks like a card number', () => {
    for (const value of ['4242424242424242', '4242 4242 4242 4242', '4242-4242-4242-4242', '378282246310005', '123456789012', '1234567890123456789', ' 4000 0566 5566 5556 ', '4242424242424241'])
      it(`"${value}" does`, () => expect(looksLikeCardNumber(value)).to.equal(true));
    for (const value of ['tok_visa', '12345678901', '12345678901234567890', '4242 4242 4242 424x', 'card 4242424242424242', '-4242424242424242', '4242  '])
      it(`"${value}" does not`, () => expect(looksLikeCardNumber(value)).to.equal(false));
  });

  describe('a card number written in a text where numbers are at home (a review)', () => {
    for (const value of ['my card 4111 1111 1111 1111 works', '4111-1111-1111-1111', 'paid with 4111111111111111', 'amex 3782 822463 10005', '4111a1111b1111c1111'])
      it(`"${value}" has one`, () => expect(writtenCardNumberIn(value)).to.equal(true));
    // A timestamp that passes the Luhn check (1765123456789) begins as no card network's number does.
    for (const value of ['Arrived 2024-12-25 10:30:45, 2 days late', 'order 12345678901234 was fine', 'Tel +44 20 7946 0958', '4111 1111 1111 1112', 'bought 1000000000000 grains', 'customer-1765123456789@test.local'])
      it(`"${value}" has none`, () => expect(writtenCardNumberIn(value)).to.equal(false));
  });

  describe('a card number in a free text', () => {
    for (const value of ['Visa 4242 4242 4242 4242', '4111a1111b1111c1111', 'Flat 4111 x 1111 y 1111 z 1111', '3782ab822463cd10005', '5500 no 0000 no 0000 no 0004'])
      it(`"${value}" has one`, () => expect(containsCardNumber(value)).to.equal(true));
    // Letters between groups: only 13-19 digits that pass the Luhn check, as a card's number does.
    for (const value of ['Visa 4242', 'Flat 12b, 34 Elm Street', '4111a1111b1111c1112', 'Block 7 Unit 12a 3456 Road 78', '12a34b56c78d90e12'])
      it(`"${value}" has none`, () => expect(containsCardNumber(value)).to.equal(false));
  });
});

// ------------------------------------------------------------------ fixtures

const CUSTOMER = '5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b';
const ID_1 = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
const ID_2 = '4d5e6f7a-8b9c-4d0e-8f1a-2b3c4d5e6f70';
const NOW = '2026-01-01T10:00:00.000Z';

const save = (overrides: Partial<SavePaymentMethod> = {}): SavePaymentMethod => ({
  type: 'SavePaymentMethod', customerId: CUSTOMER, paymentMethodId: ID_1, token: 'tok_visa', brand: 'visa', last4: '4242', label: null, now: NOW, ...overrides,
});
const remove = (overrides: Partial<RemovePaymentMethod> = {}): RemovePaymentMethod => ({ type: 'RemovePaymentMethod', customerId: CUSTOMER, paymentMethodId: ID_1, now: NOW, ...overrides });
const choose = (overrides: Partial<ChooseDefaultPaymentMethod> = {}): ChooseDefaultPaymentMethod => ({ type: 'ChooseDefaultPaymentMethod', customerId: CUSTOMER, paymentMethodId: ID_1, now: NOW, ...overrides });

const saved = (overrides: Partial<PaymentMethodSaved['data']> = {}): PaymentMethodSaved => ({
  type: 'PaymentMethodSaved',
  data: { customerId: CUSTOMER, paymentMethodId: ID_1, token: 'tok_visa', brand: 'visa', last4: '4242', label: null, isDefault: true, savedAt: NOW, ...overrides },
});
const removed = (paymentMethodId = ID_1): PaymentMethodRemoved => ({ type: 'PaymentMethodRemoved', data: { customerId: CUSTOMER, paymentMethodId, removedAt: NOW } });
const defaultChanged = (paymentMethodId: string): DefaultPaymentMethodChanged => ({ type: 'DefaultPaymentMethodChanged', data: { customerId: CUSTOMER, paymentMethodId, changedAt: NOW } });
