import type { Money } from '../../domain/shared/types.js';

/**
 * The payment-provider port. Every call carries an idempotency key: a provider that sees
 * a key again answers what it answered the first time and moves no money, so a retry
 * (after a timeout, a crash, a redelivered event) never charges or refunds twice.
 */

export type ChargeRequest = { idempotencyKey: string; amount: Money; token: string; signal?: AbortSignal };

export type ChargeResult =
  | { outcome: 'captured'; reference: string }
  | { outcome: 'declined'; reason: 'declined' | 'insufficient-funds' | 'invalid-token' };

export type RefundRequest = { idempotencyKey: string; chargeReference: string; amount: Money; signal?: AbortSignal };

/**
 * What the provider knows of a token without moving money: the card's brand and last four
 * digits, or that it refuses the token (unknown, or a card it will not take).
 */
export type TokenDescription =
  | { outcome: 'valid'; brand: string; last4: string }
  | { outcome: 'refused'; reason: 'declined' | 'invalid-token' };

export interface PaymentProvider {
  /** Rejects with an AbortError when `signal` aborts before the provider answers. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<{ reference: string }>;
  /**
   * What the provider answered to a charge with this idempotency key, or undefined when it
   * never took one; moves no money. How a charge job finds out, once it is too late to
   * charge, whether an attempt cut short by a crash went through.
   */
  findCharge(idempotencyKey: string): Promise<ChargeResult | undefined>;
  /**
   * Describes a token (a card saved by a customer) and moves no money. Rejects with an
   * AbortError when `signal` aborts before the provider answers.
   */
  describeToken(token: string, signal?: AbortSignal): Promise<TokenDescription>;
}
