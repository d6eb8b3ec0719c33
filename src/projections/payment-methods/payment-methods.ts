import type { DefaultPaymentMethodChanged, PaymentMethodRemoved, PaymentMethodSaved } from '../../domain/customer/wallet.js';
import { WALLET_EVENT_TYPES } from '../../domain/customer/wallet.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Document, ReadModelCollection } from '../../infrastructure/read-models/read-model-store.js';
import { CUSTOMER_ERASED } from '../erased-fields.js';
import type { Projection } from '../projection.js';

/** A customer's saved payment methods, one document per customer. The provider token never reaches a read model. */
export type PaymentMethodsView = Document & {
  customerId: string;
  defaultId: string | null;
  /** Oldest first. */
  methods: Array<{ paymentMethodId: string; brand: string; last4: string; label: string | null; savedAt: string }>;
  /**
   * The revision of the `wallet-<customerId>` stream after the last event folded (every event
   * of it is folded here): what a write's If-Match is compared with. Absent in documents folded by version 1.
   */
  revision?: number;
};

type Handled = PaymentMethodSaved | PaymentMethodRemoved | DefaultPaymentMethodChanged;

const evolve = (current: PaymentMethodsView | null, recorded: RecordedEvent): PaymentMethodsView | null => {
  // An erased customer's payment methods are removed.
  if (recorded.type === CUSTOMER_ERASED) return null;
  const event = recorded as unknown as Handled;
  const { customerId } = event.data;
  const wallet = { ...(current ?? { _id: customerId, customerId, defaultId: null, methods: [] }), revision: recorded.revision };
  switch (event.type) {
    case 'PaymentMethodSaved': {
      const { paymentMethodId, brand, last4, label, isDefault, savedAt } = event.data;
      // Applied twice (a redelivery), the method is there once.
      const others = wallet.methods.filter((m) => m.paymentMethodId !== paymentMethodId);
      return { ...wallet, methods: [...others, { paymentMethodId, brand, last4, label, savedAt }], defaultId: isDefault ? paymentMethodId : wallet.defaultId };
    }
    case 'PaymentMethodRemoved': {
      const { paymentMethodId } = event.data;
      const methods = wallet.methods.filter((m) => m.paymentMethodId !== paymentMethodId);
      return { ...wallet, methods, defaultId: wallet.defaultId === paymentMethodId ? null : wallet.defaultId };
    }
    case 'DefaultPaymentMethodChanged':
      return { ...wallet, defaultId: event.data.paymentMethodId };
  }
};

export const paymentMethodsProjection: Projection<PaymentMethodsView> = {
  name: 'payment-methods',
  collection: 'payment_methods',
  eventTypes: [...WALLET_EVENT_TYPES, CUSTOMER_ERASED],
  documentIds: (event) => [String(event.data.customerId)],
  evolve,
  version: 2, // 2: the stream's revision (the saved methods' ETag)
};

/** The customer's saved methods, oldest first (none: an empty list). */
export const listPaymentMethods = async (wallets: ReadModelCollection<PaymentMethodsView>, customerId: string) =>
  (await readPaymentMethods(wallets, customerId)).list;

/** The saved methods and their stream's revision (undefined before the first save, or in a document of an older version). */
export const readPaymentMethods = async (wallets: ReadModelCollection<PaymentMethodsView>, customerId: string) => {
  const wallet = await wallets.findOne({ _id: customerId });
  const items = (wallet?.methods ?? []).map(({ paymentMethodId, brand, last4, label }) => ({ paymentMethodId, brand, last4, label, isDefault: wallet!.defaultId === paymentMethodId }));
  return { list: { items }, revision: typeof wallet?.revision === 'number' ? wallet.revision : undefined };
};
