import type { Logger } from 'pino';
import type { HashesInFlight } from './hashes-in-flight.js';
import type { LiveStreams } from './live-streams.js';
import type { ClusterView } from '../cluster/view.js';
import type { OrderBacklog } from '../admission/order-backlog.js';
import type { ShippingDeps } from '../commands/carrier-bookings.js';
import type { CommandHandler } from '../commands/command-handler.js';
import type { Config } from '../config.js';
import type { InventoryDecider } from '../domain/inventory/inventory.js';
import type { EventSchema } from '../domain/shared/event-schema.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import type { PaymentProvider } from '../infrastructure/payments/payment-provider.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import type { PasswordHasher } from '../infrastructure/security/passwords.js';
import type { ResetLinks } from '../infrastructure/security/reset-links.js';
import type { EmailIndex } from '../privacy/email-index.js';
import type { Rebuilds } from '../operations/rebuild.js';
import type { JobRunner } from '../processes/jobs.js';
import type { ProcessManagerRunner } from '../processes/runner.js';
import type { AccountRoles } from './account-roles.js';
import type { TokenIssuer } from './auth.js';
import type { SessionPositions } from './consistency.js';
import type { IdempotencyKeys } from './idempotency.js';
import type { Metrics } from './observability.js';
import type { ClientRateLimit, CredentialRateLimit, LoginThrottle } from './rate-limits.js';

/** What the edge needs of a process manager's runner. */
export type RunningProcess = Pick<ProcessManagerRunner<unknown>, 'name' | 'caughtUp' | 'status' | 'lastError' | 'checkpoint' | 'start' | 'stop' | 'waitFor' | 'replay'>;

/** Everything the HTTP edge needs, as plain objects: the composition root builds it, tests build it by hand. */
export type AppDeps = {
  config: Pick<Config, 'currency' | 'rateLimitPerMinute' | 'trustProxy' | 'corsOrigins' | 'cacheMaxAgeS' | 'subscriptionDayMs'>;
  /** The inventory decider with the shop's default low-stock threshold (LOW_STOCK_THRESHOLD): one instance, shared with the saga. */
  inventory: InventoryDecider;
  logger: Logger;
  clock: () => Date;
  eventStore: EventStore;
  schema: EventSchema;
  /** The read models as queries see them (a projection's current collection by its logical name). */
  readModels: ReadModelStore;
  commands: CommandHandler;
  /** The payment provider: saving a payment method asks it to describe the token. */
  provider: PaymentProvider;
  /** The carrier (booking at dispatch, how long a dispatch waits for it) and the secret its webhooks are signed with. */
  shipping: ShippingDeps & { webhookSecret: string };
  /** The shop's runners wherever they run: read-your-writes, readiness, the admin lists. */
  cluster: ClusterView;
  /** The process managers' runners (running here or not): parked events are replayed through them. */
  processes: RunningProcess[];
  rebuilds: Rebuilds;
  jobs: JobRunner;
  passwords: PasswordHasher;
  /** Where an email address's claim stream is (a keyed hash of the address). */
  emails: EmailIndex;
  tokens: TokenIssuer;
  /** The emailed password-reset links' tokens (made and checked with the JWT secret). */
  resetLinks: ResetLinks;
  /** The current role of a token's account (or none). */
  accounts: AccountRoles;
  loginThrottle: LoginThrottle;
  clientLimit: ClientRateLimit;
  credentialLimit: CredentialRateLimit;
  /** The password hashes each client address has under way here (PASSWORD_HASHES_IN_FLIGHT). */
  hashesInFlight: HashesInFlight;
  idempotency: IdempotencyKeys;
  sessions: SessionPositions;
  metrics: Metrics;
  /** Admission control for checkouts: refuses them while the order saga is far behind. */
  orderBacklog: Pick<OrderBacklog, 'admit' | 'current' | 'limitMs' | 'refused'>;
  /** The Server-Sent Events streams held open here: ended when the server stops. */
  liveStreams: LiveStreams;
};
