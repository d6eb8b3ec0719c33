import { expect } from 'chai';
import { join } from 'node:path';
import { registerCustomer } from '../../src/commands/accounts.js';
import { CommandHandler, type CommandContext } from '../../src/commands/command-handler.js';
import { customerDecider, customerStream } from '../../src/domain/customer/customer.js';
import { ERASED } from '../../src/domain/shared/erased.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { PasswordHasher } from '../../src/infrastructure/security/passwords.js';
import { KeyedEmailIndex } from '../../src/privacy/email-index.js';
import { keyIds } from '../../src/privacy/key-store.js';
import { PersonalDataEventStore } from '../../src/privacy/personal-data-event-store.js';
import { SqliteKeyStore } from '../../src/privacy/sqlite-key-store.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The command handler keeps the states it folded lately, with the personal values in them
 * opened. The erasure drops the customer's states from the handler of the process that runs
 * it; another process serving the same DATA_DIR kept its own, and a command there answered
 * the values of a key destroyed meanwhile (an order's address to an admin) until the stream
 * left that cache. Now every use of the cache first asks the key store how many keys were
 * ever destroyed: a state folded before a destruction is read from the log again.
 */
describe("The command handler's states across processes, after a key was destroyed", () => {
  let dir: ReturnType<typeof tempDir>;
  const opened: Array<{ close: () => Promise<void> }> = [];
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    dir.remove();
  });

  /** One process of the shop: its own connections to events.db and keys.db, its own handler. */
  const process = () => {
    const events = new PersonalDataEventStore(new SqliteEventStore({ path: join(dir.path, 'events.db') }), new SqliteKeyStore(join(dir.path, 'keys.db')));
    opened.push(events);
    const commands = new CommandHandler(events, { schema: eventSchema([]), keyDestructions: () => events.keys.destructions() });
    return { events, commands, deps: { commands, passwords: new PasswordHasher(10), emails: new KeyedEmailIndex(events.keys) } };
  };

  const context: CommandContext = { correlationId: 'c', causationId: 'c', actor: 'test', now: '2026-12-03T10:00:00.000Z' };

  const nameIn = async (commands: CommandHandler, customerId: string) => {
    const { state } = await commands.load(customerDecider, customerStream(customerId));
    return state.status === 'Registered' ? state.name : undefined;
  };

  it("reads a stream again once another process destroyed a key: its values read as erased, in loads and in commands' answers", async () => {
    const here = process();
    const elsewhere = process();
    const { customerId } = await registerCustomer(here.deps, { email: 'cached@example.com', password: 'secret-pass', name: 'Cara Cached' }, context);
    expect(await nameIn(here.commands, customerId), 'folded and cached here').to.equal('Cara Cached');

    await elsewhere.events.keys.destroy(keyIds.profile(customerId), context.now);

    expect(await nameIn(here.commands, customerId)).to.equal(ERASED);
    const handled = await here.commands.handle(customerDecider, customerStream(customerId), { type: 'ChangeCustomerRole', role: 'admin', now: context.now }, context);
    expect(handled.appended.map((e) => e.type)).to.deep.equal(['CustomerRoleChanged']);
    expect(handled.state).to.include({ status: 'Registered', name: ERASED, role: 'admin' });
  });

  it('keeps using its states while no key was destroyed, whatever else the key store made meanwhile', async () => {
    const here = process();
    const elsewhere = process();
    const { customerId } = await registerCustomer(here.deps, { email: 'kept@example.com', password: 'secret-pass', name: 'Kim Kept' }, context);
    expect(await nameIn(here.commands, customerId)).to.equal('Kim Kept');
    // Another process registers someone else (new keys in keys.db): nothing destroyed, nothing read again.
    await registerCustomer(elsewhere.deps, { email: 'other@example.com', password: 'secret-pass', name: 'Otto Other' }, context);
    let reads = 0;
    const read = here.events.readStream.bind(here.events);
    here.events.readStream = async (name, options) => {
      if (name === customerStream(customerId) && (options?.fromRevision ?? 0) === 0) reads += 1;
      return read(name, options);
    };
    expect(await nameIn(here.commands, customerId)).to.equal('Kim Kept');
    expect(reads, 'the cached state was used (only what came after it was asked for)').to.equal(0);
  });
});
