import { paymentDecider, paymentStream } from '../domain/payment/payment.js';
import type { ChargeResult, PaymentProvider } from '../infrastructure/payments/payment-provider.js';
import type { CommandContext, CommandHandler } from './command-handler.js';

/**
 * The payment jobs: call the provider with an idempotency key, then record its answer
 * on the payment stream. Each is safe to run again after a crash: the provider answers a
 * repeated key with its first answer, and the payment decides nothing twice.
 */

export type PaymentDeps = { commands: CommandHandler; provider: PaymentProvider; clock: () => Date };

export type JobOrigin = { correlationId?: unknown; causationId?: unknown };

const contextOf = (deps: PaymentDeps, job: string, paymentId: string, origin: JobOrigin): CommandContext => ({
  correlationId: String(origin.correlationId ?? paymentId),
  causationId: String(origin.causationId ?? paymentId),
  actor: `job:${job}`,
  now: deps.clock().toISOString(),
  idempotencyKey: `${job}:${paymentId}`,
});

/** Charges a pending payment; a provider that does not answer before the deadline is left to the expiry job. */
export const chargePayment = async (deps: PaymentDeps, paymentId: string, origin: JobOrigin = {}) => {
  const { state } = await deps.commands.load(paymentDecider, paymentStream(paymentId));
  const idempotencyKey = `charge:${paymentId}`;
  // Failed without a charge on record (its deadline, a void) while this job was being retried:
  // an earlier attempt may have been captured before a crash kept it from being recorded.
  const failedUnpaid = state.status === 'Failed' && !state.providerReference;
  if (state.status !== 'Pending' && !failedUnpaid) return;
  const left = state.status === 'Pending' ? Date.parse(state.expiresAt) - deps.clock().getTime() : 0;
  let result: ChargeResult | undefined;
  if (left > 0) {
    const signal = AbortSignal.timeout(left);
    try {
      result = await deps.provider.charge({ idempotencyKey, amount: state.amount, token: state.token, signal });
    } catch (error) {
      if (!signal.aborted) throw error; // retried (the same key moves no money twice)
    }
  }
  // Too late to charge, or no answer by the deadline: only find out what the provider did
  // (the decider turns a capture after the payment failed into a refund).
  result ??= await deps.provider.findCharge(idempotencyKey);
  if (!result) return;
  const context = contextOf(deps, 'charge-payment', paymentId, origin);
  const command =
    result.outcome === 'captured'
      ? { type: 'RecordCharge' as const, outcome: 'captured' as const, providerReference: result.reference, now: context.now }
      : { type: 'RecordCharge' as const, outcome: 'declined' as const, reason: result.reason, now: context.now };
  await deps.commands.handle(paymentDecider, paymentStream(paymentId), command, context);
};

/** Fails a payment still pending at its deadline. */
export const expirePayment = async (deps: PaymentDeps, paymentId: string, origin: JobOrigin = {}) => {
  const { state } = await deps.commands.load(paymentDecider, paymentStream(paymentId));
  if (state.status !== 'Pending') return;
  const now = deps.clock().toISOString();
  // Run a little early (clock skew between processes)? Then try again later.
  if (Date.parse(now) < Date.parse(state.expiresAt)) throw new Error(`payment ${paymentId} expires at ${state.expiresAt}, not yet`);
  const context = contextOf(deps, 'expire-payment', paymentId, origin);
  await deps.commands.handle(paymentDecider, paymentStream(paymentId), { type: 'ExpirePayment', now }, context);
};

/** Gives the money back for a payment whose refund was requested. */
export const refundPayment = async (deps: PaymentDeps, paymentId: string, origin: JobOrigin = {}) => {
  const { state } = await deps.commands.load(paymentDecider, paymentStream(paymentId));
  if (state.status !== 'RefundPending' || !state.providerReference) return;
  const { reference } = await deps.provider.refund({
    idempotencyKey: `refund:${paymentId}`,
    chargeReference: state.providerReference,
    amount: state.amount,
  });
  const context = contextOf(deps, 'refund-payment', paymentId, origin);
  await deps.commands.handle(paymentDecider, paymentStream(paymentId), { type: 'RecordRefund', providerReference: reference, now: context.now }, context);
};
