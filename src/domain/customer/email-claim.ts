import { ConflictError } from '../shared/errors.js';
import type { Decider, DomainEvent } from '../shared/types.js';
import { normalizeEmail } from './customer.js';

/**
 * One stream per email address (`customeremail-<keyed hash of the email>`), appended with `no_stream`:
 * the event store's optimistic concurrency is what makes an email unique.
 * Registering writes the claim first and the customer second. A claim names the customer
 * id it was made for, and that id stays the address's: a claim whose customer never
 * appeared (the process died between the two appends) is completed by the next
 * registration of the address, which creates that very customer. Whoever completes it
 * first wins; the customer stream's own `no_stream` refuses the others.
 * (Logs written before this rule may hold a second claim that took over an orphaned one:
 * the latest claim is the one that counts.)
 */

export type CustomerEmailClaimed = DomainEvent<'CustomerEmailClaimed', { email: string; customerId: string; claimedAt: string }>;

export type EmailClaimEvent = CustomerEmailClaimed;

export type EmailClaim = { status: 'Unclaimed' } | { status: 'Claimed'; customerId: string; claimedAt: string };

export type ClaimEmail = { type: 'ClaimEmail'; email: string; customerId: string; now: string };

export const initialState = (): EmailClaim => ({ status: 'Unclaimed' });

export const evolve = (_state: EmailClaim, event: EmailClaimEvent): EmailClaim => ({
  status: 'Claimed',
  customerId: event.data.customerId,
  claimedAt: event.data.claimedAt,
});

export const decide = (command: ClaimEmail, state: EmailClaim): EmailClaimEvent[] => {
  if (state.status === 'Claimed') {
    if (state.customerId === command.customerId) return [];
    throw new ConflictError('the email address is already registered');
  }
  const email = normalizeEmail(command.email);
  return [{ type: 'CustomerEmailClaimed', data: { email, customerId: command.customerId, claimedAt: command.now } }];
};

export const emailClaimDecider: Decider<EmailClaim, ClaimEmail, EmailClaimEvent> = { initialState, evolve, decide };

/**
 * The claim stream of an address as logs written before version 2 of the shop named it, with
 * the address itself in the name. Registration still finds claims there; new claims are
 * named by the email index (src/privacy/email-index.ts), which keeps addresses out of names.
 */
export const legacyEmailClaimStream = (normalizedEmail: string) => `customeremail-${normalizedEmail}`;
