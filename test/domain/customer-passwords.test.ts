import { expect } from 'chai';
import {
  PASSWORD_RESET_INTERVAL_MS,
  PASSWORD_RESET_TTL_MS,
  customerDecider,
  type CustomerEvent,
  type CustomerPasswordChanged,
  type CustomerPasswordResetRequested,
  type CustomerRegistered,
} from '../../src/domain/customer/customer.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../src/domain/shared/errors.js';
import { specFor } from '../support/given-when-then.js';

const { given } = specFor(customerDecider);

const CUSTOMER = 'c0ffee00-0000-4000-8000-000000000001';
const T0 = Date.parse('2024-05-02T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

const registered: CustomerRegistered = {
  type: 'CustomerRegistered',
  data: { customerId: CUSTOMER, email: 'ada@example.com', name: 'Ada', passwordHash: 'scrypt$old', role: 'customer', registeredAt: at(-1000) },
};
const requested = (requestId: string, ms: number): CustomerPasswordResetRequested => ({
  type: 'CustomerPasswordResetRequested',
  data: { customerId: CUSTOMER, requestId, requestedAt: at(ms), expiresAt: at(ms + PASSWORD_RESET_TTL_MS) },
});
const changed = (ms: number, via: 'change' | 'reset', passwordHash = 'scrypt$new'): CustomerPasswordChanged => ({
  type: 'CustomerPasswordChanged',
  data: { customerId: CUSTOMER, passwordHash, changedAt: at(ms), via },
});
const ask = (requestId: string, ms: number) => ({ type: 'RequestPasswordReset' as const, requestId, now: at(ms) });
const reset = (requestId: string, ms: number) => ({ type: 'ResetPassword' as const, requestId, passwordHash: 'scrypt$new', now: at(ms) });

const fold = (events: CustomerEvent[]) => events.reduce(customerDecider.evolve, customerDecider.initialState());

describe('Customer passwords', () => {
  it('is changed, signing the account out everywhere from that moment', () => {
    given([registered]).when({ type: 'ChangePassword', passwordHash: 'scrypt$new', checkedAgainst: 'scrypt$old', now: at(0) }).then([changed(0, 'change')]);
    const state = fold([registered, changed(0, 'change')]);
    expect(state).to.include({ passwordHash: 'scrypt$new', signedOutAt: at(0), signOuts: 1 });
    expect(fold([registered, changed(0, 'change'), { type: 'CustomerSignedOut', data: { customerId: CUSTOMER, signedOutAt: at(5) } }])).to.include({ signOuts: 2 });
  });

  it('is not changed over a password saved since the current one was checked (a reset meanwhile): 409', () => {
    given([registered, requested('r-1', 0), changed(1_000, 'reset')])
      .when({ type: 'ChangePassword', passwordHash: 'scrypt$mine', checkedAgainst: 'scrypt$old', now: at(2_000) })
      .thenThrows(ConflictError, /changed meanwhile/);
  });

  it('cannot be changed or reset on an account that is not registered', () => {
    given([]).when({ type: 'ChangePassword', passwordHash: 'x', checkedAgainst: 'y', now: at(0) }).thenThrows(NotFoundError);
    given([]).when(ask('r-1', 0)).thenThrows(NotFoundError);
  });

  it('mails a reset link good for an hour; another within the minute appends nothing, after it a newer one', () => {
    given([registered]).when(ask('r-1', 0)).then([requested('r-1', 0)]);
    given([registered, requested('r-1', 0)]).when(ask('r-2', PASSWORD_RESET_INTERVAL_MS - 1)).then([]);
    given([registered, requested('r-1', 0)]).when(ask('r-2', PASSWORD_RESET_INTERVAL_MS)).then([requested('r-2', PASSWORD_RESET_INTERVAL_MS)]);
  });

  it('is reset with the last link asked for, once, before it expires', () => {
    given([registered, requested('r-1', 0)]).when(reset('r-1', 5_000)).then([changed(5_000, 'reset')]);
    given([registered, requested('r-1', 0), changed(5_000, 'reset')]).when(reset('r-1', 6_000)).thenThrows(UnprocessableError, /used or replaced/);
    given([registered, requested('r-1', 0), requested('r-2', 70_000)]).when(reset('r-1', 80_000)).thenThrows(UnprocessableError, /replaced by a newer one/);
    given([registered, requested('r-1', 0)]).when(reset('r-1', PASSWORD_RESET_TTL_MS)).thenThrows(UnprocessableError, /expired/);
    given([registered]).when(reset('r-1', 0)).thenThrows(UnprocessableError, /used or replaced/);
  });

  it('voids an outstanding link when the password is changed, and asks anew at once after a change', () => {
    given([registered, requested('r-1', 0), changed(1_000, 'change')]).when(reset('r-1', 2_000)).thenThrows(UnprocessableError);
    given([registered, requested('r-1', 0), changed(1_000, 'change')]).when(ask('r-2', 2_000)).then([requested('r-2', 2_000)]);
  });
});
