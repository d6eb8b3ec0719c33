import { expect } from 'chai';
import { ensureAdmin, findAccount, registerCustomer, verifyCredentials } from '../../src/commands/accounts.js';
import { CommandHandler, type CommandContext } from '../../src/commands/command-handler.js';
import { customerStream } from '../../src/domain/customer/customer.js';
import { legacyEmailClaimStream } from '../../src/domain/customer/email-claim.js';
import { ConflictError, PreconditionFailedError, ValidationError } from '../../src/domain/shared/errors.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { PasswordHasher } from '../../src/infrastructure/security/passwords.js';
import { KeyedEmailIndex, type EmailIndex } from '../../src/privacy/email-index.js';
import { SqliteKeyStore } from '../../src/privacy/sqlite-key-store.js';
import { appendOf, failingOnce, InjectedFailure } from '../support/failing-store.js';

describe('Account commands', () => {
  let store: SqliteEventStore;
  let keys: SqliteKeyStore;
  let deps: { commands: CommandHandler; passwords: PasswordHasher; emails: EmailIndex };
  beforeEach(() => {
    store = new SqliteEventStore({ path: ':memory:' });
    keys = new SqliteKeyStore(':memory:');
    deps = { commands: new CommandHandler(store, { schema: eventSchema([]) }), passwords: new PasswordHasher(10), emails: new KeyedEmailIndex(keys) };
  });
  afterEach(async () => {
    await store.close();
    await keys.close();
  });
  const emailClaimStream = (email: string) => deps.emails.claimStreamOf(email);

  describe('registering', () => {
    it('finds the account by any casing of its email, and checks its password', async () => {
      const { customerId } = await registerCustomer(deps, { email: 'Eve@Example.com', password: 'secret-pass', name: 'Eve' }, at(0));
      expect((await findAccount(deps, 'EVE@example.COM'))?.customerId).to.equal(customerId);
      expect(await verifyCredentials(deps, 'eve@example.com', 'secret-pass')).to.include({ customerId });
      expect(await verifyCredentials(deps, 'eve@example.com', 'wrong')).to.equal(false);
      expect(await verifyCredentials(deps, 'nobody@example.com', 'secret-pass')).to.equal(false);
    });

    for (const [label, input] of [
      ['a blank name', { email: 'blank@example.com', name: ' \t ' }],
      ['an email that is no address', { email: 'not an address', name: 'N' }],
      ['a blank email', { email: '  ', name: 'N' }],
    ] as const) {
      it(`refuses ${label} before the email claim: nothing is appended`, async () => {
        const error = await registerCustomer(deps, { ...input, password: 'secret-pass' }, at(0)).catch((e) => e);
        expect(error).to.be.instanceOf(ValidationError);
        expect(await store.headPosition()).to.equal(0);
      });
    }

    it('registers an address at once after a registration of it was refused', async () => {
      await registerCustomer(deps, { email: 'fix@example.com', password: 'secret-pass', name: '  ' }, at(0)).catch(() => undefined);
      const { customerId } = await registerCustomer(deps, { email: 'fix@example.com', password: 'secret-pass', name: 'Fixed' }, at(1));
      expect((await findAccount(deps, 'fix@example.com'))?.customerId).to.equal(customerId);
    });

    it('refuses If-Match before the email claim (412): nothing is appended', async () => {
      const error = await registerCustomer(deps, { email: 'if@example.com', password: 'secret-pass', name: 'I' }, { ...at(0), ifMatch: 0 }).catch((e) => e);
      expect(error).to.be.instanceOf(PreconditionFailedError);
      expect(await store.headPosition()).to.equal(0);
    });

    it('completes at once an email claim whose customer never appeared (a crash between the two appends), under its customer id', async () => {
      await abandonedEmailClaim('lost@example.com', 'ghost-customer', at(0));
      const { customerId } = await registerCustomer(deps, { email: 'lost@example.com', password: 'secret-pass', name: 'L' }, at(1000));
      expect(customerId).to.equal('ghost-customer');
      expect((await findAccount(deps, 'lost@example.com'))?.customerId).to.equal(customerId);
      expect((await store.readStream(await emailClaimStream('lost@example.com'))).map((e) => e.data.customerId)).to.deep.equal(['ghost-customer']);
    });

    it('finishes when retried after the customer could not be appended, with no second claim', async () => {
      const failing = failingOnce(store, appendOf('CustomerRegistered'));
      const commands = new CommandHandler(failing, { schema: eventSchema([]) });
      const flaky = { commands, passwords: deps.passwords, emails: deps.emails };
      const input = { email: 'flaky@example.com', password: 'secret-pass', name: 'F' };
      expect(await registerCustomer(flaky, input, at(0)).catch((e) => e)).to.be.instanceOf(InjectedFailure);
      const { customerId } = await registerCustomer(flaky, input, at(1));
      const events = await store.readAll();
      expect(events.map((e) => [e.type, e.data.customerId])).to.deep.equal([
        ['CustomerEmailClaimed', customerId],
        ['CustomerRegistered', customerId],
      ]);
    });

    it('never takes over the claim of a customer who exists', async () => {
      await registerCustomer(deps, { email: 'kept@example.com', password: 'secret-pass', name: 'K' }, at(0));
      const head = await store.headPosition();
      const error = await registerCustomer(deps, { email: 'kept@example.com', password: 'other-pass', name: 'K2' }, at(365 * 24 * 3_600_000)).catch((e) => e);
      expect(error).to.be.instanceOf(ConflictError);
      expect(error.message).to.equal('the email address is already registered');
      expect(await store.headPosition()).to.equal(head);
    });

    it('gives one account and one refusal to two registrations of one address at once', async () => {
      const register = (name: string) => registerCustomer(deps, { email: 'twice@example.com', password: 'secret-pass', name }, at(0));
      const outcomes = await Promise.allSettled([register('One'), register('Two')]);
      expect(outcomes.map((o) => o.status).sort()).to.deep.equal(['fulfilled', 'rejected']);
      expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).to.be.instanceOf(ConflictError);
      expect((await store.readAll()).filter((e) => e.type === 'CustomerRegistered')).to.have.length(1);
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

    it('creates the admin at the next start after a crash between the claim and the customer', async () => {
      await abandonedEmailClaim('root@example.com', 'ghost-admin', at(0));
      await ensureAdmin(deps, 'root@example.com', 'root-password', at(1000));
      expect(await verifyCredentials(deps, 'root@example.com', 'root-password')).to.include({ customerId: 'ghost-admin', role: 'admin' });
    });

    it("leaves an admin whose password was changed since as it is, saying ADMIN_PASSWORD is stale, appending nothing", async () => {
      const { customerId } = await ensureAdmin(deps, 'chief@example.com', 'first-password', at(0));
      expect(await ensureAdmin(deps, 'chief@example.com', 'first-password', at(1))).to.not.have.property('stale');
      const head = await store.headPosition();
      expect(await ensureAdmin(deps, 'chief@example.com', 'another-password', at(2))).to.deep.equal({ customerId, position: undefined, stale: true });
      expect(await store.headPosition()).to.equal(head);
    });

    it("promotes an existing customer whose password is ADMIN_PASSWORD (the operator's own account)", async () => {
      const { customerId } = await registerCustomer(deps, { email: 'boss@example.com', password: 'configured-password', name: 'B' }, at(0));
      expect(await ensureAdmin(deps, 'boss@example.com', 'configured-password', at(1))).to.not.have.property('refused');
      const events = await store.readStream(customerStream(customerId));
      expect(events.map((e) => e.type)).to.deep.equal(['CustomerRegistered', 'CustomerRoleChanged']);
      expect(await verifyCredentials(deps, 'boss@example.com', 'configured-password')).to.include({ role: 'admin' });
    });

    it('does not promote a customer account of that address registered with another password (anyone could have registered it first), appending nothing', async () => {
      const { customerId } = await registerCustomer(deps, { email: 'ops@example.com', password: 'attacker-pass-1', name: 'M' }, at(0));
      const head = await store.headPosition();
      expect(await ensureAdmin(deps, 'ops@example.com', 'operator-secret-1', at(1))).to.deep.equal({ customerId, position: undefined, refused: true });
      expect(await store.headPosition()).to.equal(head);
      expect(await verifyCredentials(deps, 'ops@example.com', 'attacker-pass-1')).to.include({ role: 'customer' });
    });
  });

  describe('claims named before the email index', () => {
    it('names new claims by a keyed hash: the address is in no stream name', async () => {
      await registerCustomer(deps, { email: 'hidden@example.com', password: 'secret-pass', name: 'H' }, at(0));
      const names = (await store.readAll()).map((e) => e.streamName);
      expect(names.filter((name) => name.includes('hidden'))).to.deep.equal([]);
      expect(names.filter((name) => name.startsWith('customeremail-'))).to.deep.equal([await emailClaimStream('hidden@example.com')]);
    });

    it('still finds an account whose claim a log of an older version named by the address, and refuses the address again (409)', async () => {
      const legacyId = '0b6c3a52-1c1e-4c38-9a53-5d5b0f7d3c11';
      await store.appendToStream(legacyEmailClaimStream('old@example.com'), [
        { id: '6a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d', type: 'CustomerEmailClaimed', data: { email: 'old@example.com', customerId: legacyId, claimedAt: at(0).now }, metadata: {} },
      ]);
      const { customerId } = await registerCustomer(deps, { email: 'old@example.com', password: 'secret-pass', name: 'O' }, at(1));
      expect(customerId, 'the legacy claim is completed under its own id').to.equal(legacyId);
      expect(await verifyCredentials(deps, 'OLD@example.com', 'secret-pass')).to.include({ customerId: legacyId });
      const again = await registerCustomer(deps, { email: 'old@example.com', password: 'other-pass', name: 'O2' }, at(2)).catch((e) => e);
      expect(again).to.be.instanceOf(ConflictError);
    });
  });

  describe('one mailbox, several spellings (an internationalised domain in Unicode and in punycode)', () => {
    it('refuses the other spelling of a registered address (409, nothing appended) and signs in by either', async () => {
      const { customerId } = await registerCustomer(deps, { email: 'zoë@bücher.example', password: 'secret-pass', name: 'Z' }, at(0));
      const head = await store.headPosition();
      for (const email of ['zoë@xn--bcher-kva.example', 'ZOË@BÜCHER.EXAMPLE', 'zoë@XN--BCHER-KVA.example']) {
        const error = await registerCustomer(deps, { email, password: 'other-pass', name: 'Y' }, at(1)).catch((e) => e);
        expect(error, email).to.be.instanceOf(ConflictError);
      }
      expect(await store.headPosition()).to.equal(head);
      expect(await verifyCredentials(deps, 'zoë@xn--bcher-kva.example', 'secret-pass')).to.include({ customerId });
      expect(await verifyCredentials(deps, 'zoë@bücher.example', 'secret-pass')).to.include({ customerId });
      const claims = (await store.readAll()).filter((e) => e.type === 'CustomerEmailClaimed');
      expect(claims.map((e) => e.streamName), 'claimed under the ASCII form').to.deep.equal([await emailClaimStream('zoë@xn--bcher-kva.example')]);
    });

    it('gives one account to the two spellings registered at once', async () => {
      const register = (email: string) => registerCustomer(deps, { email, password: 'secret-pass', name: 'R' }, at(0));
      const outcomes = await Promise.allSettled([register('ivan@пример.рф'), register('ivan@xn--e1afmkfd.xn--p1ai')]);
      expect(outcomes.map((o) => o.status).sort()).to.deep.equal(['fulfilled', 'rejected']);
      expect((await store.readAll()).filter((e) => e.type === 'CustomerRegistered')).to.have.length(1);
    });

    it('finds a claim made before this rule under the spelling typed then (by the index, or named by the address), and refuses the other spelling', async () => {
      await abandonedEmailClaim('old@bücher.example', 'ghost-unicode', at(0));
      const { customerId } = await registerCustomer(deps, { email: 'old@xn--bcher-kva.example', password: 'secret-pass', name: 'O' }, at(1));
      expect(customerId, 'the earlier claim is completed under its own id').to.equal('ghost-unicode');
      expect(await verifyCredentials(deps, 'old@bücher.example', 'secret-pass')).to.include({ customerId });

      await store.appendToStream(legacyEmailClaimStream('older@xn--bcher-kva.example'), [
        { id: '7c1d2e3f-4a5b-4c6d-9e7f-8a9b0c1d2e3f', type: 'CustomerEmailClaimed', data: { email: 'older@xn--bcher-kva.example', customerId: 'ghost-legacy', claimedAt: at(2).now }, metadata: {} },
      ]);
      expect((await registerCustomer(deps, { email: 'older@bücher.example', password: 'secret-pass', name: 'P' }, at(3))).customerId).to.equal('ghost-legacy');
      const again = await registerCustomer(deps, { email: 'older@xn--bcher-kva.example', password: 'other-pass', name: 'Q' }, at(4)).catch((e) => e);
      expect(again).to.be.instanceOf(ConflictError);
    });

    it('keeps two accounts an older version made of the two spellings, each signing in by its own', async () => {
      await abandonedEmailClaim('two@bücher.example', 'ghost-one', at(0));
      await abandonedEmailClaim('two@xn--bcher-kva.example', 'ghost-two', at(0));
      await registerCustomer(deps, { email: 'two@bücher.example', password: 'first-pass', name: 'One' }, at(1));
      await registerCustomer(deps, { email: 'two@xn--bcher-kva.example', password: 'second-pass', name: 'Two' }, at(2));
      expect(await verifyCredentials(deps, 'two@bücher.example', 'first-pass')).to.include({ customerId: 'ghost-one' });
      expect(await verifyCredentials(deps, 'two@xn--bcher-kva.example', 'second-pass')).to.include({ customerId: 'ghost-two' });
    });

    it('leaves plus-addressing to the mailbox provider: `zoe+shop@` is a mailbox of its own', async () => {
      const first = await registerCustomer(deps, { email: 'zoe@example.com', password: 'secret-pass', name: 'Z' }, at(0));
      const second = await registerCustomer(deps, { email: 'zoe+shop@example.com', password: 'secret-pass', name: 'Z' }, at(1));
      expect(second.customerId).to.not.equal(first.customerId);
    });
  });

  /** The first of the two appends of a registration, as a crash would leave it. */
  const abandonedEmailClaim = async (email: string, customerId: string, context: CommandContext) =>
    store.appendToStream(await emailClaimStream(email), [
      { id: '5b0f2c44-9a3e-4d1c-8f7a-2a1b3c4d5e6f', type: 'CustomerEmailClaimed', data: { email, customerId, claimedAt: context.now }, metadata: {} },
    ]);
});

const at = (ms: number): CommandContext => ({
  correlationId: 'c',
  causationId: 'c',
  actor: 'test',
  now: new Date(Date.UTC(2026, 0, 1) + ms).toISOString(),
});
