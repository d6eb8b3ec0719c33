import { expect } from 'chai';
import {
  MAX_ADDRESSES,
  customerDecider,
  customerStream,
  normalizeEmail,
  type AddCustomerAddress,
  type Address,
  type ChangeCustomerRole,
  type CustomerAddressAdded,
  type CustomerRegistered,
  type CustomerRole,
  type CustomerRoleChanged,
  type RegisterCustomer,
} from '../../src/domain/customer/customer.js';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../../src/domain/shared/errors.js';
import { specFor } from '../support/given-when-then.js';

const { given } = specFor(customerDecider);

describe('Customer', () => {
  describe('when not registered', () => {
    it('is registered', () => given([]).when(register()).then([registered()]));

    it('is registered with the email trimmed and lower-cased', () =>
      given([]).when(register({ email: '  Ada.Lovelace@Example.COM ' })).then([registered({ email: EMAIL })]));

    it('is registered with the name trimmed', () =>
      given([]).when(register({ name: '  Ada Lovelace\t' })).then([registered({ name: NAME })]));

    it('is registered as an admin when asked', () =>
      given([]).when(register({ role: 'admin' })).then([registered({ role: 'admin' })]));

    it('cannot be registered with a blank name', () =>
      given([]).when(register({ name: '   ' })).thenThrows(ValidationError, /name must not be blank/));

    it('names the name field when the name is blank', () => {
      let caught: unknown;
      try {
        customerDecider.decide(register({ name: '' }), customerDecider.initialState());
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(ValidationError);
      expect((caught as ValidationError).errors).to.deep.equal([{ field: 'name', message: 'must not be blank' }]);
    });

    it('cannot get an address', () => given([]).when(addAddress(home())).thenThrows(NotFoundError, /customer not found/));

    it('cannot change role', () => given([]).when(changeRole('admin')).thenThrows(NotFoundError, /customer not found/));
  });

  describe('when registered', () => {
    it('cannot be registered again', () =>
      given([registered()]).when(register()).thenThrows(ConflictError, /already registered/));

    it('cannot be registered again, even under another email', () =>
      given([registered()]).when(register({ email: 'other@example.com' })).thenThrows(ConflictError));

    it('gets an address', () => given([registered()]).when(addAddress(home())).then([addressAdded(home())]));

    it('gets a second, different address', () =>
      given([registered(), addressAdded(home())]).when(addAddress(work())).then([addressAdded(work())]));

    it('does not get the same address twice', () =>
      given([registered(), addressAdded(home())]).when(addAddress(home())).then([]));

    it('does not get the same address twice, even under a new address id', () =>
      given([registered(), addressAdded(home())]).when(addAddress({ ...home(), addressId: 'address-99' })).then([]));

    it('does not get the same address spelt with other spaces and case', () =>
      given([registered(), addressAdded(home())])
        .when(addAddress({ ...home(), addressId: 'address-98', line1: ' 12  st james square ', postalCode: 'sw1y 4jh' }))
        .then([]));

    it('cannot get a different address under an id already in use', () =>
      given([registered(), addressAdded(home())])
        .when(addAddress({ ...work(), addressId: home().addressId }))
        .thenThrows(ConflictError, /already has this id/));

    it('becomes an admin', () => given([registered()]).when(changeRole('admin')).then([roleChanged('admin')]));

    it('does not change to the role it already has', () =>
      given([registered()]).when(changeRole('customer')).then([]));

    it('goes back to customer after being an admin', () =>
      given([registered(), roleChanged('admin')]).when(changeRole('customer')).then([roleChanged('customer')]));

    it('does not become an admin twice', () =>
      given([registered(), roleChanged('admin')]).when(changeRole('admin')).then([]));
  });

  describe(`when registered with ${MAX_ADDRESSES} addresses`, () => {
    const full = () => [registered(), ...Array.from({ length: MAX_ADDRESSES }, (_, i) => addressAdded(numbered(i)))];

    it('gets no more addresses', () =>
      given(full()).when(addAddress(numbered(MAX_ADDRESSES))).thenThrows(UnprocessableError, /at most 20 addresses/));

    it('still accepts one it already has, appending nothing', () =>
      given(full()).when(addAddress(numbered(3))).then([]));
  });

  describe('state', () => {
    it('keeps the registration, addresses in order and the current role', () =>
      expect(given([registered(), addressAdded(home()), addressAdded(work()), roleChanged('admin')]).state()).to.deep.equal({
        status: 'Registered',
        customerId: CUSTOMER,
        email: EMAIL,
        name: NAME,
        passwordHash: HASH,
        role: 'admin',
        addresses: [home(), work()],
      }));

    it('ignores address and role events of an unregistered customer', () =>
      expect(given([addressAdded(home()), roleChanged('admin')]).state()).to.deep.equal({ status: 'None' }));
  });

  describe('helpers', () => {
    it('normalize emails by trimming and lower-casing', () => expect(normalizeEmail(' A@B.Com ')).to.equal('a@b.com'));

    it('name the stream customer-<id>', () => expect(customerStream('c-1')).to.equal('customer-c-1'));
  });
});

// ------------------------------------------------------------------ fixtures

const CUSTOMER = 'customer-7';
const EMAIL = 'ada.lovelace@example.com';
const NAME = 'Ada Lovelace';
const HASH = 'scrypt$salt$hash';
const REGISTERED_AT = '2024-05-01T09:00:00.000Z';
const NOW = '2024-05-02T10:00:00.000Z';

const register = (overrides: Partial<RegisterCustomer> = {}): RegisterCustomer => ({
  type: 'RegisterCustomer',
  customerId: CUSTOMER,
  email: EMAIL,
  name: NAME,
  passwordHash: HASH,
  role: 'customer',
  now: REGISTERED_AT,
  ...overrides,
});

const addAddress = (address: Address): AddCustomerAddress => ({ type: 'AddCustomerAddress', address, now: NOW });

const changeRole = (role: CustomerRole): ChangeCustomerRole => ({ type: 'ChangeCustomerRole', role, now: NOW });

const registered = (overrides: Partial<CustomerRegistered['data']> = {}): CustomerRegistered => ({
  type: 'CustomerRegistered',
  data: { customerId: CUSTOMER, email: EMAIL, name: NAME, passwordHash: HASH, role: 'customer', registeredAt: REGISTERED_AT, ...overrides },
});

const addressAdded = (address: Address): CustomerAddressAdded => ({
  type: 'CustomerAddressAdded',
  data: { customerId: CUSTOMER, address, addedAt: NOW },
});

const roleChanged = (role: CustomerRole): CustomerRoleChanged => ({
  type: 'CustomerRoleChanged',
  data: { customerId: CUSTOMER, role, changedAt: NOW },
});

const home = (): Address => ({ addressId: 'address-1', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' });

const work = (): Address => ({ addressId: 'address-2', line1: '1 Analytical Row', city: 'Cambridge', postalCode: 'CB2 1TN', country: 'GB' });

const numbered = (i: number): Address => ({ addressId: `address-${i}`, line1: `${i} Engine Street`, city: 'London', postalCode: 'N1', country: 'GB' });
