import type { LiveStreams } from '../../src/api/live-streams.js';
import type { CommandHandlerOptions } from '../../src/commands/command-handler.js';
import type { Carrier } from '../../src/infrastructure/carrier/carrier.js';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.js';
import type { Mailer } from '../../src/infrastructure/mail/mailer.js';
import type { PaymentProvider } from '../../src/infrastructure/payments/payment-provider.js';
import type { ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import type { PasswordHasher } from '../../src/infrastructure/security/passwords.js';

/** What a test may set in the shop that startTestApp (./test-app.ts) builds: each unset one as the shop's default, or a test's. */
export type TestAppOptions = {
  rateLimitPerMinute?: number;
  /** Sign-ins and registrations per address per minute (CREDENTIAL_ATTEMPTS_PER_MINUTE); 0 (the tests' default): no limit. */
  credentialAttemptsPerMinute?: number;
  /** Requests hashing a password one address may have under way at once (PASSWORD_HASHES_IN_FLIGHT); 0 (the tests' default): no limit. */
  passwordHashesInFlight?: number;
  /** Requests of one address that may wait for one of those (PASSWORD_CHECKS_WAITING unless given). */
  passwordChecksWaiting?: number;
  /** Wraps the password hasher (cost 10; e.g. to hold its hashes back). */
  passwords?: (hasher: PasswordHasher) => PasswordHasher;
  /** TRUST_PROXY=true: the client's address is the last entry of X-Forwarded-For (a test speaking from several addresses). */
  trustProxy?: boolean;
  /** The live streams the app holds (its limits); the shop's defaults unless given. */
  liveStreams?: LiveStreams;
  /** How long a read waits for the read models to reach the caller's last write (READ_WAIT_MS); 5 s by default. */
  readWaitMs?: number;
  corsOrigins?: string[];
  loginMaxFailures?: number;
  /** Failed password checks of an account from every address (LOGIN_ACCOUNT_MAX_FAILURES); 20 times loginMaxFailures unless given. */
  loginAccountMaxFailures?: number;
  now?: () => Date;
  paymentTimeoutMs?: number;
  /** Checkouts are refused while the order saga is further behind (ORDER_BACKLOG_LIMIT_MS; 10 s unless set), measured at most every `orderBacklogRefreshMs`. */
  orderBacklogLimitMs?: number;
  orderBacklogRefreshMs?: number;
  mailer?: Mailer;
  /** Wraps the simulated provider (e.g. to hold its answers back). */
  provider?: (simulated: PaymentProvider) => PaymentProvider;
  /**
   * The event store, given the embedded one: a wrapper of it (e.g. to make an append fail), or
   * another store altogether (e.g. the EventStoreDB adapter on a model of its server).
   */
  eventStore?: (embedded: EventStore) => EventStore;
  /** Cache-Control max-age of the public GETs (CACHE_MAX_AGE_S; 5 unless set). */
  cacheMaxAgeS?: number;
  /** The shop's default low-stock threshold (LOW_STOCK_THRESHOLD; 5 unless set). */
  lowStockThreshold?: number;
  /** How long a dispatch (and each try of its booking job) waits for the carrier (CARRIER_TIMEOUT_MS; 2 s unless set). */
  carrierTimeoutMs?: number;
  /** When the simulated carrier reports a booked parcel in transit, then delivered (CARRIER_TRANSIT_MS, CARRIER_DELIVERY_MS; a minute unless set). */
  carrierTransitMs?: number;
  carrierDeliveryMs?: number;
  /** Wraps the simulated carrier (e.g. to keep it silent for a while). */
  carrier?: (simulated: Carrier) => Carrier;
  /** Job runner settings (attempts before parking, first retry delay). */
  jobs?: { maxAttempts?: number; retryBaseMs?: number };
  /** The length of a subscription day (SUBSCRIPTION_DAY_MS; a whole day unless set). */
  subscriptionDayMs?: number;
  /** Days an erased customer's invoices stay readable after their latest order (INVOICE_RETENTION_DAYS; 3650 unless set). */
  invoiceRetentionDays?: number;
  /** Command handler settings (snapshots, cache size...), given the read-model store. */
  commandOptions?: (store: ReadModelStore) => Omit<CommandHandlerOptions, 'schema'>;
};
