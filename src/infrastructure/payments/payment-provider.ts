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
}
