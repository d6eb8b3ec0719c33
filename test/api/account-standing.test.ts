import { expect } from 'chai';
import { AccountRoles, type Standing } from '../../src/api/account-roles.js';
import type { ReadModelCollection } from '../../src/infrastructure/read-models/read-model-store.js';
import type { CustomerProfile } from '../../src/projections/customer-profiles/customer-profiles.js';

/**
 * AccountRoles as production runs it on EventStoreDB: reads answered from the `customers` read
 * model (kept ttlMs), writes from the account's stream; a sign-out everywhere is seen by both.
 */
describe('An account standing (role and last sign-out)', () => {
  const profile = (fields: Partial<CustomerProfile>) => ({ _id: 'c-1', customerId: 'c-1', role: 'customer', _position: 5, ...fields }) as CustomerProfile;
  const rolesOver = (doc: CustomerProfile | null, writeSide: Standing | undefined, now = () => 0) => {
    const profiles = { findOne: async () => doc } as unknown as ReadModelCollection<CustomerProfile>;
    return new AccountRoles(profiles, async () => writeSide, 2_000, now);
  };

  it('reads the last sign-out from the read model for reads, and from the stream for writes', async () => {
    const roles = rolesOver(profile({ signedOutAt: '2026-01-01T10:00:00.000Z' }), { role: 'customer', signedOutAt: '2026-01-01T11:00:00.000Z' });
    expect(await roles.standingOf('c-1')).to.deep.equal({ role: 'customer', signedOutAt: '2026-01-01T10:00:00.000Z' });
    expect(await roles.standingOf('c-1', { write: true })).to.deep.equal({ role: 'customer', signedOutAt: '2026-01-01T11:00:00.000Z' });
  });

  it('sees a sign-out this process recorded at once, before the read model shows it, and keeps the later of the two', async () => {
    let clock = 0;
    const roles = rolesOver(profile({}), { role: 'customer' }, () => clock);
    expect(await roles.standingOf('c-1')).to.deep.equal({ role: 'customer' });
    roles.signedOutEverywhere('c-1', '2026-01-01T12:00:00.000Z', 1);
    expect(await roles.standingOf('c-1')).to.deep.equal({ role: 'customer', signedOutAt: '2026-01-01T12:00:00.000Z' });
    clock = 5_000;
    const later = rolesOver(profile({ signedOutAt: '2026-01-01T13:00:00.000Z' }), { role: 'customer' });
    later.signedOutEverywhere('c-1', '2026-01-01T12:00:00.000Z', 1);
    expect((await later.standingOf('c-1'))?.signedOutAt).to.equal('2026-01-01T13:00:00.000Z');
  });

  it('counts the sign-outs as the profile counts them, or as this process recorded a later one; a profile of an older version counts none', async () => {
    const roles = rolesOver(profile({ signedOutAt: '2026-01-01T10:00:00.000Z', signOuts: 2 }), { role: 'customer' });
    expect((await roles.standingOf('c-1'))?.signOuts).to.equal(2);
    roles.signedOutEverywhere('c-1', '2026-01-01T12:00:00.000Z', 3);
    expect(await roles.standingOf('c-1')).to.deep.equal({ role: 'customer', signedOutAt: '2026-01-01T12:00:00.000Z', signOuts: 3 });
    const older = rolesOver(profile({ signedOutAt: '2026-01-01T10:00:00.000Z' }), { role: 'customer' });
    expect(await older.standingOf('c-1')).to.deep.equal({ role: 'customer', signedOutAt: '2026-01-01T10:00:00.000Z' });
  });
});
