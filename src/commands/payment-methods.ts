import { v4 as uuidv4 } from 'uuid';
import { describeMethod, tokenToPayWith, walletDecider, walletStream, type Wallet } from '../domain/customer/wallet.js';
import { UnavailableError, UnprocessableError } from '../domain/shared/errors.js';
import type { PaymentProvider } from '../infrastructure/payments/payment-provider.js';
import { derivedId, type CommandContext, type CommandHandler } from './command-handler.js';

/**
 * Saved payment methods. Saving asks the payment provider to describe the token first (it
 * moves no money): a token it refuses is refused here (422) before anything is written, and
 * what is kept of the card is what the provider reported (brand, last four digits). A
 * method's id derives from the request's Idempotency-Key when there is one, so a repeat
 * whose stored answer was lost finds the method it saved.
 */

export type WalletDeps = { commands: CommandHandler; provider: PaymentProvider; describeTimeoutMs?: number };

export type NewPaymentMethod = { token: string; label?: string | undefined };

/** How long saving waits for the provider to describe a token. */
const DESCRIBE_TIMEOUT_MS = 10_000;

export const savePaymentMethod = async (deps: WalletDeps, customerId: string, input: NewPaymentMethod, context: CommandContext) => {
  const card = await describe(deps, input.token);
  const paymentMethodId = context.idempotencyKey ? derivedId(context.idempotencyKey, 'payment-method') : uuidv4();
  const handled = await deps.commands.handle(
    walletDecider,
    walletStream(customerId),
    { type: 'SavePaymentMethod', customerId, paymentMethodId, token: input.token, ...card, label: input.label ?? null, now: context.now },
    context,
  );
  // Saved now, or earlier (the same token, or this request's repeat): the method that holds the token.
  const method = handled.state.methods.find((m) => m.token === input.token)!;
  const created = handled.appended.length > 0 || (handled.replayed && method.paymentMethodId === paymentMethodId);
  return { method: describeMethod(handled.state, method), created, revision: handled.revision, position: handled.position };
};

const describe = async (deps: WalletDeps, token: string) => {
  const signal = AbortSignal.timeout(deps.describeTimeoutMs ?? DESCRIBE_TIMEOUT_MS);
  // Not answering, or failing, is the provider's state, not the request's fault: 503, so a retry (with its key) runs again.
  const description = await deps.provider.describeToken(token, signal).catch(() => {
    throw new UnavailableError('the payment provider did not answer: nothing was saved, try again shortly', 5);
  });
  if (description.outcome === 'refused') {
    throw new UnprocessableError(description.reason === 'declined' ? 'the payment provider refuses this card' : 'the payment provider does not know this token');
  }
  return { brand: description.brand, last4: description.last4 };
};

export const removePaymentMethod = async (commands: CommandHandler, customerId: string, paymentMethodId: string, context: CommandContext) => {
  const handled = await commands.handle(walletDecider, walletStream(customerId), { type: 'RemovePaymentMethod', customerId, paymentMethodId, now: context.now }, context);
  return { items: listed(handled.state), revision: handled.revision, position: handled.position };
};

export const chooseDefaultPaymentMethod = async (commands: CommandHandler, customerId: string, paymentMethodId: string, context: CommandContext) => {
  const handled = await commands.handle(walletDecider, walletStream(customerId), { type: 'ChooseDefaultPaymentMethod', customerId, paymentMethodId, now: context.now }, context);
  const method = handled.state.methods.find((m) => m.paymentMethodId === paymentMethodId)!;
  return { method: describeMethod(handled.state, method), revision: handled.revision, position: handled.position };
};

/** The provider token behind a customer's saved method, read from the write side: a method removed a moment ago cannot pay. */
export const savedToken = async (commands: CommandHandler, customerId: string, paymentMethodId: string): Promise<string> => {
  const { state } = await commands.load(walletDecider, walletStream(customerId));
  return tokenToPayWith(state, paymentMethodId);
};

const listed = (wallet: Wallet) => wallet.methods.map((method) => describeMethod(wallet, method));
