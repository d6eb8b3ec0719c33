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
 * When its customer is erased, the erasure process releases the claim (`CustomerEmailReleased`):
 * the address is free again, and registering it makes a NEW customer (a new id), never the
 * erased one again.
 */

export type CustomerEmailClaimed = DomainEvent<'CustomerEmailClaimed', { email: string; customerId: string; claimedAt: string }>;

export type CustomerEmailReleased = DomainEvent<'CustomerEmailReleased', { customerId: string; releasedAt: string }>;

export type EmailClaimEvent = CustomerEmailClaimed | CustomerEmailReleased;

export type EmailClaim = { status: 'Unclaimed' } | { status: 'Claimed'; customerId: string; claimedAt: string };

export type ClaimEmail = { type: 'ClaimEmail'; email: string; customerId: string; now: string };
/** Frees the address of an erased customer; a claim already released, or made since by another customer, is left as it is. */
export type ReleaseEmail = { type: 'ReleaseEmail'; customerId: string; now: string };

export type EmailClaimCommand = ClaimEmail | ReleaseEmail;

export const initialState = (): EmailClaim => ({ status: 'Unclaimed' });

export const evolve = (_state: EmailClaim, event: EmailClaimEvent): EmailClaim =>
  event.type === 'CustomerEmailReleased'
    ? { status: 'Unclaimed' }
    : { status: 'Claimed', customerId: event.data.customerId, claimedAt: event.data.claimedAt };

export const decide = (command: EmailClaimCommand, state: EmailClaim): EmailClaimEvent[] => {
  if (command.type === 'ReleaseEmail') {
    if (state.status !== 'Claimed' || state.customerId !== command.customerId) return [];
    return [{ type: 'CustomerEmailReleased', data: { customerId: command.customerId, releasedAt: command.now } }];
  }
  if (state.status === 'Claimed') {
    if (state.customerId === command.customerId) return [];
    throw new ConflictError('the email address is already registered');
  }
  const email = normalizeEmail(command.email);
  return [{ type: 'CustomerEmailClaimed', data: { email, customerId: command.customerId, claimedAt: command.now } }];
};

export const emailClaimDecider: Decider<EmailClaim, EmailClaimCommand, EmailClaimEvent> = { initialState, evolve, decide };

/**
 * The claim stream of an address as logs written before version 2 of the shop named it, with
 * the address itself in the name. Registration still finds claims there; new claims are
 * named by the email index (src/privacy/email-index.ts), which keeps addresses out of names.
 */
export const legacyEmailClaimStream = (normalizedEmail: string) => `customeremail-${normalizedEmail}`;
