import { expect } from 'chai';
import {
  customerDecider,
  type CustomerErased,
  type CustomerEvent,
  type CustomerInvoicesExpired,
  type CustomerRegistered,
  type EraseCustomer,
  type ExpireCustomerInvoices,
} from '../../src/domain/customer/customer.js';
import { ConflictError, NotFoundError } from '../../src/domain/shared/errors.js';
import { specFor } from '../support/given-when-then.js';

const { given } = specFor(customerDecider);

describe('Customer erasure', () => {
  describe('when registered', () => {
    it('is erased, by whoever asked', () => {
      given([registered()]).when(erase('customer')).then([erased('customer')]);
      given([registered()]).when(erase('admin')).then([erased('admin')]);
    });

    it('keeps nothing personal in its state once erased', () =>
      expect(given([registered(), erased('customer')]).state()).to.deep.equal({ status: 'Erased', customerId: CUSTOMER, erasedAt: ERASED_AT, invoicesExpiredAt: null }));

    it('cannot have its invoices expire while it is not erased', () => given([registered()]).when(expire()).thenThrows(ConflictError));
  });

  describe('when erased', () => {
    it('is not erased again: the first erasure stands', () => given([registered(), erased('customer')]).when(erase('admin', LATER)).then([]));

    it('takes no address and no role change: there is no such customer any more', () => {
      given([registered(), erased('customer')]).when({ type: 'AddCustomerAddress', address: { addressId: 'a', line1: 'x', city: 'y', postalCode: 'z', country: 'GB' }, now: LATER }).thenThrows(NotFoundError);
      given([registered(), erased('customer')]).when({ type: 'ChangeCustomerRole', role: 'admin', now: LATER }).thenThrows(NotFoundError);
    });

    it('cannot be registered again on the same id', () =>
      given([registered(), erased('customer')])
        .when({ type: 'RegisterCustomer', customerId: CUSTOMER, email: 'new@example.com', name: 'New', passwordHash: 'h', role: 'customer', now: LATER })
        .thenThrows(ConflictError));

    it('has its invoices expire once', () => {
      given([registered(), erased('customer')]).when(expire()).then([expired()]);
      given([registered(), erased('customer'), expired()]).when(expire()).then([]);
      expect(given([registered(), erased('customer'), expired()]).state()).to.include({ status: 'Erased', invoicesExpiredAt: LATER });
    });
  });

  describe('when never registered', () => {
    it('cannot be erased, nor its invoices expire', () => {
      given([]).when(erase('admin')).thenThrows(NotFoundError);
      given([]).when(expire()).thenThrows(NotFoundError);
    });
  });
});

const CUSTOMER = 'customer-9';
const REGISTERED_AT = '2026-01-01T09:00:00.000Z';
const ERASED_AT = '2026-02-01T09:00:00.000Z';
const LATER = '2036-02-01T09:00:00.000Z';

const registered = (): CustomerRegistered => ({
  type: 'CustomerRegistered',
  data: { customerId: CUSTOMER, email: 'eve@example.com', name: 'Eve', passwordHash: 'scrypt$s$h', role: 'customer', registeredAt: REGISTERED_AT },
});
const erase = (by: EraseCustomer['by'], now = ERASED_AT): EraseCustomer => ({ type: 'EraseCustomer', by, now });
const erased = (by: CustomerErased['data']['by']): CustomerEvent => ({ type: 'CustomerErased', data: { customerId: CUSTOMER, erasedAt: ERASED_AT, by } });
const expire = (): ExpireCustomerInvoices => ({ type: 'ExpireCustomerInvoices', now: LATER });
const expired = (): CustomerInvoicesExpired => ({ type: 'CustomerInvoicesExpired', data: { customerId: CUSTOMER, expiredAt: LATER } });
