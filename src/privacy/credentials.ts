/**
 * The fields of events that hold credentials: the shop's means of acting, not data about
 * anyone, and not for anyone's eyes: the password hash, and the payment provider's tokens (in
 * the wallet, an order's payment method, the payment). Wherever they sit in an event's data,
 * the customer's export withholds them (export.ts) and the admins' audit trail redacts them
 * (../operations/audit.ts); the stored events keep them.
 */
export const CREDENTIAL_FIELDS: readonly string[] = ['passwordHash', 'token'];
