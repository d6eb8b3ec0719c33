import { expect } from 'chai';
import { ensureAdmin, findAccount, registerCustomer, verifyCredentials } from '../../src/commands/accounts.js';
import { CommandHandler, type CommandContext } from '../../src/commands/command-handler.js';
import { customerStream } from '../../src/domain/customer/customer.js';
import { emailClaimStream, ORPHANED_CLAIM_GRACE_MS } from '../../src/domain/customer/email-claim.js';
import { ConflictError } from '../../src/domain/shared/errors.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { PasswordHasher } from '../../src/infrastructure/security/passwords.js';

describe('Account commands', () => {
  let store: SqliteEventStore;
  let deps: { commands: CommandHandler; passwords: PasswordHasher };
  beforeEach(() => {
    store = new SqliteEventStore({ path: ':memory:' });
    deps = { commands: new CommandHandler(store, { schema: eventSchema([]) }), passwords: new PasswordHasher(10) };
  });
  afterEach(async () => store.close());

  describe('registering', () => {
    it('finds the account by any casing of its email, and checks its password', async () => {
      const { customerId } = await registerCustomer(deps, { email: 'Eve@Example.com', password: 'secret-pass', name: 'Eve' }, at(0));
      expect((await findAccount(deps, 'EVE@example.COM'))?.customerId).to.equal(customerId);
      expect(await verifyCredentials(deps, 'eve@example.com', 'secret-pass')).to.include({ customerId });
      expect(await verifyCredentials(deps, 'eve@example.com', 'wrong')).to.equal(false);
      expect(await verifyCredentials(deps, 'nobody@example.com', 'secret-pass')).to.equal(false);
    });

    it('takes over an email claim whose customer never appeared (a crash between the two appends), after the grace period', async () => {
      await abandonedEmailClaim('lost@example.com', 'ghost-customer', at(0));
      const refused = await registerCustomer(deps, { email: 'lost@example.com', password: 'secret-pass', name: 'L' }, at(1000)).catch((e) => e);
      expect(refused).to.be.instanceOf(ConflictError);
      const later = at(ORPHANED_CLAIM_GRACE_MS + 1000);
      const { customerId } = await registerCustomer(deps, { email: 'lost@example.com', password: 'secret-pass', name: 'L' }, later);
      expect((await findAccount(deps, 'lost@example.com'))?.customerId).to.equal(customerId);
    });

    it('never takes over the claim of a customer who exists', async () => {
      await registerCustomer(deps, { email: 'kept@example.com', password: 'secret-pass', name: 'K' }, at(0));
      const late = at(ORPHANED_CLAIM_GRACE_MS * 10);
      const error = await registerCustomer(deps, { email: 'kept@example.com', password: 'other-pass', name: 'K2' }, late).catch((e) => e);
      expect(error).to.be.instanceOf(ConflictError);
    });
  });

  describe('bootstrapping the admin', () => {
    it('creates the admin once; a second start appends nothing', async () => {
      await ensureAdmin(deps, 'root@example.com', 'root-password', at(0));
      const head = await store.headPosition();
      await ensureAdmin(deps, 'root@example.com', 'root-password', at(1));
      expect(await store.headPosition()).to.equal(head);
      expect(await findAccount(deps, 'root@example.com')).to.include({ role: 'admin' });
    });

    it('promotes an existing customer without touching the password', async () => {
      const { customerId } = await registerCustomer(deps, { email: 'boss@example.com', password: 'own-password', name: 'B' }, at(0));
      await ensureAdmin(deps, 'boss@example.com', 'configured-password', at(1));
      const events = await store.readStream(customerStream(customerId));
      expect(events.map((e) => e.type)).to.deep.equal(['CustomerRegistered', 'CustomerRoleChanged']);
      expect(await verifyCredentials(deps, 'boss@example.com', 'own-password')).to.include({ role: 'admin' });
    });
  });

  /** The first of the two appends of a registration, as a crash would leave it. */
  const abandonedEmailClaim = (email: string, customerId: string, context: CommandContext) =>
    store.appendToStream(emailClaimStream(email), [
      { id: '5b0f2c44-9a3e-4d1c-8f7a-2a1b3c4d5e6f', type: 'CustomerEmailClaimed', data: { email, customerId, claimedAt: context.now }, metadata: {} },
    ]);
});

const at = (ms: number): CommandContext => ({
  correlationId: 'c',
  causationId: 'c',
  actor: 'test',
  now: new Date(Date.UTC(2026, 0, 1) + ms).toISOString(),
});
