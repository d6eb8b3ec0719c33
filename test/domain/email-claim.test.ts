import { expect } from 'chai';
import {
  emailClaimDecider,
  legacyEmailClaimStream,
  type ClaimEmail,
  type CustomerEmailClaimed,
} from '../../src/domain/customer/email-claim.js';
import { ConflictError } from '../../src/domain/shared/errors.js';
import { specFor } from '../support/given-when-then.js';

const { given } = specFor(emailClaimDecider);

describe('Email claim', () => {
  describe('when the email is unclaimed', () => {
    it('is claimed', () => given([]).when(claim({ customerId: NEWCOMER })).then([claimed(NEWCOMER, NOW)]));
  });

  describe('when claimed by the same customer', () => {
    it('is not claimed again', () =>
      given([claimed(OWNER, CLAIMED_AT)]).when(claim({ customerId: OWNER, now: later(60_000) })).then([]));
  });

  describe('when claimed by another customer', () => {
    it('cannot be claimed', () =>
      given([claimed(OWNER, CLAIMED_AT)]).when(claim({ now: later(1_000) })).thenThrows(ConflictError, /already registered/));

    it('cannot be claimed, however old the claim (its customer, if missing, is created under its id instead)', () =>
      given([claimed(OWNER, CLAIMED_AT)]).when(claim({ now: later(365 * 24 * 3_600_000) })).thenThrows(ConflictError));
  });

  describe('when taken over by a second claim (logs written before claims were completed in place)', () => {
    it('belongs to whoever took it over', () =>
      expect(given([claimed(OWNER, CLAIMED_AT), claimed(NEWCOMER, later(60_000))]).state()).to.deep.equal({
        status: 'Claimed',
        customerId: NEWCOMER,
        claimedAt: later(60_000),
      }));

    it('is not claimed again by the customer who took it over', () =>
      given([claimed(OWNER, CLAIMED_AT), claimed(NEWCOMER, later(60_000))])
        .when(claim({ customerId: NEWCOMER, now: later(120_000) }))
        .then([]));
  });

  describe('stream', () => {
    it('was named customeremail-<email> in older logs, a category without a dash', () =>
      expect(legacyEmailClaimStream(EMAIL)).to.equal(`customeremail-${EMAIL}`));
  });
});

// ------------------------------------------------------------------ fixtures

const EMAIL = 'ada@example.com';
const OWNER = 'customer-1';
const NEWCOMER = 'customer-2';
const CLAIMED_AT = '2024-05-01T09:00:00.000Z';
const NOW = '2024-05-01T09:00:05.000Z';

const later = (ms: number) => new Date(Date.parse(CLAIMED_AT) + ms).toISOString();

const claim = (overrides: Partial<ClaimEmail> = {}): ClaimEmail => ({
  type: 'ClaimEmail',
  email: EMAIL,
  customerId: NEWCOMER,
  now: NOW,
  ...overrides,
});

const claimed = (customerId: string, claimedAt: string): CustomerEmailClaimed => ({
  type: 'CustomerEmailClaimed',
  data: { email: EMAIL, customerId, claimedAt },
});
