import { instanceCachingFactory, type DependencyContainer } from 'tsyringe';

/** The composition root's tokens: every dependency is registered under one of these (nothing depends on decorator metadata). */
export const T = {
  config: Symbol('Config'),
  logger: Symbol('Logger'),
  clock: Symbol('Clock'),
  eventStore: Symbol('EventStore'),
  readModels: Symbol('ReadModelStore'),
  keyStore: Symbol('KeyStore'),
  schema: Symbol('EventSchema'),
  commands: Symbol('CommandHandler'),
  processId: Symbol('ProcessId'),
  cluster: Symbol('Cluster'),
  clusterView: Symbol('ClusterView'),
  projectionHost: Symbol('ProjectionHost'),
  processHost: Symbol('ProcessHost'),
  passwords: Symbol('PasswordHasher'),
  emails: Symbol('EmailIndex'),
  tokens: Symbol('TokenIssuer'),
  resetLinks: Symbol('ResetLinks'),
  accounts: Symbol('AccountRoles'),
  loginThrottle: Symbol('LoginThrottle'),
  limits: Symbol('LimitStore'),
  clientLimit: Symbol('ClientRateLimit'),
  credentialLimit: Symbol('CredentialRateLimit'),
  idempotency: Symbol('IdempotencyKeys'),
  sessions: Symbol('SessionPositions'),
  metrics: Symbol('Metrics'),
  orderBacklog: Symbol('OrderBacklog'),
  views: Symbol('ProjectionViews'),
  rebuilds: Symbol('Rebuilds'),
  provider: Symbol('PaymentProvider'),
  mailer: Symbol('Mailer'),
  jobs: Symbol('JobRunner'),
  processes: Symbol('ProcessManagerRunners'),
  inventory: Symbol('InventoryDecider'),
  carrier: Symbol('Carrier'),
  shipping: Symbol('ShippingDeps'),
  selfEndpoint: Symbol('SelfEndpoint'),
} as const;

/** A singleton within the scope, built on first use. */
export const once = <V>(make: (c: DependencyContainer) => V) => ({ useFactory: instanceCachingFactory(make) });
