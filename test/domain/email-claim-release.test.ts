import { expect } from 'chai';
import { emailClaimDecider, type CustomerEmailClaimed, type CustomerEmailReleased, type ReleaseEmail } from '../../src/domain/customer/email-claim.js';
import { specFor } from '../support/given-when-then.js';

const { given } = specFor(emailClaimDecider);

describe('Email claim release (erasure)', () => {
  it('releases the claim of the erased customer', () => given([claimed(OWNER)]).when(release(OWNER)).then([released(OWNER)]));

  it('is free once released: claimed by a new customer', () => {
    expect(given([claimed(OWNER), released(OWNER)]).state()).to.deep.equal({ status: 'Unclaimed' });
    given([claimed(OWNER), released(OWNER)]).when({ type: 'ClaimEmail', email: EMAIL, customerId: NEWCOMER, now: LATER }).then([claimed(NEWCOMER, LATER)]);
  });

  it('is released once: a release run again appends nothing', () => given([claimed(OWNER), released(OWNER)]).when(release(OWNER)).then([]));

  it("never releases another customer's claim (a new account made with the address since)", () =>
    given([claimed(OWNER), released(OWNER), claimed(NEWCOMER, LATER)]).when(release(OWNER)).then([]));

  it('releases nothing that was never claimed', () => given([]).when(release(OWNER)).then([]));
});

const EMAIL = 'eve@example.com';
const OWNER = 'customer-1';
const NEWCOMER = 'customer-2';
const NOW = '2026-01-01T09:00:00.000Z';
const LATER = '2026-03-01T09:00:00.000Z';

const claimed = (customerId: string, claimedAt = NOW): CustomerEmailClaimed => ({ type: 'CustomerEmailClaimed', data: { email: EMAIL, customerId, claimedAt } });
const release = (customerId: string): ReleaseEmail => ({ type: 'ReleaseEmail', customerId, now: NOW });
const released = (customerId: string): CustomerEmailReleased => ({ type: 'CustomerEmailReleased', data: { customerId, releasedAt: NOW } });
