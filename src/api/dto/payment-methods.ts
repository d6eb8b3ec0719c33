import { JSONSchema } from 'class-validator-jsonschema';
import { ValidateBy } from 'class-validator';
import { CARD_NUMBER_MESSAGE, containsCardNumber, LABEL_CARD_NUMBER_MESSAGE, looksLikeCardNumber, writtenCardNumberIn } from '../../domain/customer/wallet.js';
import { Id, Text } from '../input/text-rules.js';

/**
 * A provider token is never a card number: 12 to 19 digits (grouped by spaces or dashes or
 * not) are refused with a message that names the problem and never the value.
 */
export const NotACardNumber = (): PropertyDecorator =>
  ValidateBy({ name: 'notACardNumber', validator: { validate: (value: unknown) => typeof value !== 'string' || !looksLikeCardNumber(value), defaultMessage: () => CARD_NUMBER_MESSAGE } });

/** A free text (a card's label, an address line) with no card number in it: 12 or more digits in a row, however separated or written. */
export const NoCardNumberIn = (message = LABEL_CARD_NUMBER_MESSAGE) =>
  ValidateBy({ name: 'noCardNumberIn', validator: { validate: (value: unknown) => typeof value !== 'string' || !containsCardNumber(value), defaultMessage: () => message } });

/** A text where numbers are at home (a review) with no card number written in it (see writtenCardNumberIn). */
export const NoWrittenCardNumber = (message: string) =>
  ValidateBy({ name: 'noWrittenCardNumber', validator: { validate: (value: unknown) => typeof value !== 'string' || !writtenCardNumberIn(value), defaultMessage: () => message } });

const TOKEN_DESCRIPTION = "The payment provider's token for a card (the simulated provider's: `tok_visa`, `tok_mastercard`...). Never a card number: 12 to 19 digits, grouped or not, are refused (400) and not echoed.";

export class SavePaymentMethodBody {
  @JSONSchema({ description: TOKEN_DESCRIPTION })
  @NotACardNumber()
  @Text({ max: 100 })
  token!: string;

  @JSONSchema({ description: 'How the customer names the card ("Work card"). Never its number: 12 or more digits in a row are refused (400) and not echoed.' })
  @NoCardNumberIn()
  @Text({ max: 50, optional: true })
  label?: string;
}

/** Checkout pays with a token... (documented alternatives of CheckoutBody.paymentMethod, see ./orders.ts) */
export class TokenPaymentBody {
  @JSONSchema({ description: TOKEN_DESCRIPTION })
  @NotACardNumber()
  @Text({ max: 100 })
  token!: string;
}

/** ...or with a saved payment method of the customer's. */
export class SavedPaymentMethodBody {
  @JSONSchema({ description: 'One of the signed-in customer\'s saved payment methods (GET /api/v1/account/me/payment-methods).' })
  @Id({ message: 'must be a payment method id' })
  paymentMethodId!: string;
}
