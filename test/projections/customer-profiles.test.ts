import { expect } from 'chai';
import {
  customerProfilesProjection,
  getCustomerProfile,
  type CustomerProfile,
  type ErasedProfile,
} from '../../src/projections/customer-profiles/customer-profiles.js';
import { projectionFixture, recorded, runnerOn, untyped } from './projection-fixture.js';

const { evolve } = customerProfilesProjection;

describe('Customer profiles projection', () => {
  describe('evolve', () => {
    it('creates a profile without the password hash', () =>
      expect(evolve(null, recorded('CustomerRegistered', registered()))).to.deep.equal({
        _id: CUSTOMER,
        customerId: CUSTOMER,
        email: EMAIL,
        name: 'Ada Lovelace',
        phone: null,
        role: 'customer',
        addresses: [],
        registeredAt: T1,
        signOuts: 0,
        revision: 0,
      }));

    it('counts the sign-outs everywhere: a sign-out and a new password each', () => {
      const registeredProfile = evolve(null, recorded('CustomerRegistered', registered()));
      const signedOut = evolve(registeredProfile, recorded('CustomerSignedOut', { customerId: CUSTOMER, signedOutAt: T1 }));
      const changed = evolve(signedOut, recorded('CustomerPasswordChanged', { customerId: CUSTOMER, passwordHash: 'scrypt$x', changedAt: T1, via: 'change' }));
      expect(changed).to.include({ signOuts: 2, signedOutAt: T1 });
      expect(JSON.stringify(changed)).to.not.include('scrypt');
    });

    it('keeps the phone given at registration', () =>
      expect(evolve(null, recorded('CustomerRegistered', { ...registered(), phone: '+44 20 7946 0000' }))).to.include({ phone: '+44 20 7946 0000' }));

    it('adds addresses in order and follows role changes', () => {
      const doc = [
        recorded('CustomerRegistered', registered()),
        recorded('CustomerAddressAdded', addressAdded(home())),
        recorded('CustomerAddressAdded', addressAdded(work())),
        recorded('CustomerRoleChanged', { customerId: CUSTOMER, role: 'admin', changedAt: T2 }),
      ].reduce<CustomerProfile | ErasedProfile | null>((current, event) => evolve(current, event), null);
      expect(doc).to.deep.include({ role: 'admin', addresses: [home(), work()] });
    });

    it('has no profile for an address of a customer it never saw registered', () =>
      expect(evolve(null, recorded('CustomerAddressAdded', addressAdded(home())))).to.equal(null));

    it('has no profile for a role change of a customer it never saw registered', () =>
      expect(evolve(null, recorded('CustomerRoleChanged', { customerId: CUSTOMER, role: 'admin', changedAt: T2 }))).to.equal(null));
  });

  describe('when projected by the runner', () => {
    let fixture: ReturnType<typeof projectionFixture>;
    const customers = () => fixture.readModels.collection<CustomerProfile>('customers');

    beforeEach(async () => {
      fixture = projectionFixture([untyped(customerProfilesProjection)]);
      await fixture.append(`customer-${CUSTOMER}`, 'CustomerRegistered', registered());
      await fixture.append(`customer-${CUSTOMER}`, 'CustomerAddressAdded', addressAdded(home()));
      await fixture.project();
    });
    afterEach(() => fixture.close());

    it('stores no password hash', async () => {
      const [stored] = await customers().find({});
      expect(stored).to.not.have.property('passwordHash');
      expect(JSON.stringify(stored)).to.not.include(HASH);
    });

    it('applying the same event twice changes nothing', async () => {
      const once = await customers().find({});
      const [, addressEvent] = await fixture.events.readAll();
      // Checkpoints of its own: to this runner the address event is new.
      await runnerOn(fixture.events, fixture.readModels, [untyped(customerProfilesProjection)], { checkpoints: 'other' }).apply([
        addressEvent!,
      ]);
      expect(await customers().find({})).to.deep.equal(once);
      expect(once[0]?.addresses).to.deep.equal([home()]);
    });

    it('getCustomerProfile returns the profile without bookkeeping fields', async () =>
      expect(await getCustomerProfile(customers(), CUSTOMER)).to.deep.equal({
        customerId: CUSTOMER,
        email: EMAIL,
        name: 'Ada Lovelace',
        phone: null,
        role: 'customer',
        addresses: [home()],
        registeredAt: T1,
      }));

    it('getCustomerProfile never hands out a password hash, even one left in a stored document', async () => {
      await customers().replaceOne({ _id: CUSTOMER }, { ...(await customers().findOne({ _id: CUSTOMER }))!, passwordHash: HASH });
      const profile = await getCustomerProfile(customers(), CUSTOMER);
      expect(profile).to.not.have.property('passwordHash');
      expect(profile?.email).to.equal(EMAIL);
    });

    it('getCustomerProfile finds nothing for an unknown customer', async () =>
      expect(await getCustomerProfile(customers(), 'customer-404')).to.equal(undefined));
  });
});

// ------------------------------------------------------------------ fixtures

const CUSTOMER = 'c-1';
const EMAIL = 'ada@example.com';
const HASH = 'scrypt$c2FsdA$aGFzaA';
const T1 = '2024-05-01T09:00:00.000Z';
const T2 = '2024-05-02T10:00:00.000Z';

const registered = () => ({
  customerId: CUSTOMER,
  email: EMAIL,
  name: 'Ada Lovelace',
  passwordHash: HASH,
  role: 'customer',
  registeredAt: T1,
});

const home = () => ({ addressId: 'a-1', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' });

const work = () => ({ addressId: 'a-2', line1: '1 Analytical Row', city: 'Cambridge', postalCode: 'CB2 1TN', country: 'GB' });

const addressAdded = (address: ReturnType<typeof home>) => ({ customerId: CUSTOMER, address, addedAt: T2 });
