import { cartDecider } from './cart/cart.js';
import { productDecider } from './catalog/product.js';
import { customerDecider } from './customer/customer.js';
import { emailClaimDecider } from './customer/email-claim.js';
import { walletDecider } from './customer/wallet.js';
import { inventoryDecider } from './inventory/inventory.js';
import { orderDecider } from './ordering/order.js';
import { paymentDecider } from './payment/payment.js';
import { reviewDecider } from './reviews/review.js';
import type { Decider, DomainEvent } from './shared/types.js';
import { shipmentDecider } from './shipping/shipment.js';
import { subscriptionDecider } from './subscriptions/subscription.js';

type AnyDecider = Decider<unknown, never, DomainEvent>;

/** The decider behind each stream category: what the audit trail folds events with. */
export const DECIDERS: Readonly<Record<string, AnyDecider>> = {
  customer: customerDecider as unknown as AnyDecider,
  customeremail: emailClaimDecider as unknown as AnyDecider,
  wallet: walletDecider as unknown as AnyDecider,
  product: productDecider as unknown as AnyDecider,
  inventory: inventoryDecider as unknown as AnyDecider,
  cart: cartDecider as unknown as AnyDecider,
  order: orderDecider as unknown as AnyDecider,
  payment: paymentDecider as unknown as AnyDecider,
  shipment: shipmentDecider as unknown as AnyDecider,
  review: reviewDecider as unknown as AnyDecider,
  subscription: subscriptionDecider as unknown as AnyDecider,
};
