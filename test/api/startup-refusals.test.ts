import { expect } from 'chai';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { damagedLog } from '../support/damaged-log.js';
import { tempDir } from '../support/temp-dir.js';

const ADMIN = { ADMIN_EMAIL: 'ops@test.local', ADMIN_PASSWORD: 'ops-password' };

/** What a start that is refused prints: its output once it exited (startServer rejects with it). */
const refusal = async (env: Record<string, string>): Promise<string> => {
  const error = await startServer(env).then(
    async (server) => {
      await killServer(server);
      return undefined;
    },
    (e: Error) => e,
  );
  expect(error, 'the server started').to.not.equal(undefined);
  expect(error!.message).to.match(/^server exited with 1/);
  // One clear line, no stack trace.
  expect(error!.message).to.not.match(/^\s+at /m);
  return error!.message;
};

/** The real server, started on a DATA_DIR of its own for each test. */
describe('starting the real server', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await killServer(server);
    dir.remove();
  });

  /** The real server refuses to start, with one line that names what to change, on a bad setting or a damaged store file. */
  describe('a start that is refused', () => {
    for (const [name, value] of [
      ['CURRENCY', 'dollars'],
      ['HOST', 'not a host'],
      ['HOST', 'no-such-host.invalid'],
      ['LOG_LEVEL', 'loud'],
      ['ADMIN_EMAIL', 'notanemail'],
      ['ADMIN_PASSWORD', 'short'],
      ['EVENTSTORE_URL', 'garbage'],
    ] as const) {
      it(`names ${name}=${value}, and writes nothing`, async () => {
        const output = await refusal({ DATA_DIR: dir.path, ...ADMIN, [name]: value });
        expect(output).to.match(new RegExp(`^configuration: ${name}`, 'm'));
        expect(readdirSync(dir.path)).to.not.include('events.db');
      });
    }

    /** A shop that ran once, stopped, then had a file damaged. */
    const stoppedShop = async () => {
      server = await startServer({ DATA_DIR: dir.path, ...ADMIN });
      server.child.kill('SIGTERM');
      expect(await server.exited).to.equal(0);
      server = undefined;
    };
    const replace = (file: string, content: string) => {
      for (const companion of ['-wal', '-shm']) rmSync(join(dir.path, `${file}${companion}`), { force: true });
      writeFileSync(join(dir.path, file), content);
    };

    it('names an events.db that is not SQLite, to be restored and never deleted', async () => {
      await stoppedShop();
      replace('events.db', 'hello\n');
      const output = await refusal({ DATA_DIR: dir.path, ...ADMIN });
      expect(output).to.match(/^data: .*events\.db is damaged/m).and.include('restore it from a backup').and.include('do not delete it');
    });

    it('with WORKERS=2, names a refusal once, not once a worker', async () => {
      await stoppedShop();
      replace('events.db', 'hello\n');
      const output = await refusal({ DATA_DIR: dir.path, ...ADMIN, WORKERS: '2' });
      expect(output.match(/^data: .*events\.db is damaged/gm), output).to.have.length(1);
    });

    it('names a truncated read-models.db, which may be deleted to be rebuilt from the log', async () => {
      await stoppedShop();
      for (const companion of ['-wal', '-shm']) rmSync(join(dir.path, `read-models.db${companion}`), { force: true });
      truncateSync(join(dir.path, 'read-models.db'), 8192);
      const output = await refusal({ DATA_DIR: dir.path, ...ADMIN });
      expect(output).to.match(/^data: .*read-models\.db is damaged/m).and.include('rebuilt from the event log');
    });

    for (const [what, doc, collection, says] of [
      ['not JSON', '{not json', 'checkpoints', 'is not JSON'],
      ['JSON but null', 'null', 'checkpoints', 'is not a document'],
      ['a number among the profiles (never blamed on keys.db)', '42', 'customers', 'is not a document'],
      ['a list', '[]', 'customers', 'is not a document'],
      ['a document of another id', '{"_id":"someone-else"}', 'customers', 'has no _id of its own'],
    ] as const) {
      it(`names a read-models.db holding a document that is ${what} (written by hand), which may be deleted to be rebuilt from the log`, async () => {
        await stoppedShop();
        const file = new (await import('better-sqlite3')).default(join(dir.path, 'read-models.db'));
        try {
          expect(file.prepare(`UPDATE documents SET doc = ? WHERE collection LIKE '${collection}%'`).run(doc).changes).to.be.greaterThan(0);
        } finally {
          file.close();
        }
        const output = await refusal({ DATA_DIR: dir.path, ...ADMIN });
        expect(output).to.match(/^data: .*read-models\.db is damaged/m).and.include(says).and.include('rebuilt from the event log');
        expect(output).to.not.include('keys.db');
      });
    }

    it('names a read-models.db that is a directory', async () => {
      await stoppedShop();
      for (const file of ['read-models.db', 'read-models.db-wal', 'read-models.db-shm']) rmSync(join(dir.path, file), { force: true });
      mkdirSync(join(dir.path, 'read-models.db'));
      const output = await refusal({ DATA_DIR: dir.path, ...ADMIN });
      expect(output).to.match(/^data: .*read-models\.db is a directory/m);
    });

    it('names an events.db of another schema', async () => {
      const foreign = new (await import('better-sqlite3')).default(join(dir.path, 'events.db'));
      foreign.exec("CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO events (body) VALUES ('x');");
      foreign.close();
      const output = await refusal({ DATA_DIR: dir.path, ...ADMIN });
      expect(output).to.match(/^data: .*events\.db is not one of this shop's files: it holds another program's tables \(events with other columns\)/m);
    });

    // Another program's database given where the shop keeps a file: its tables were kept and the store's written beside them.
    for (const file of ['events.db', 'read-models.db', 'keys.db', 'limits.db']) {
      it(`names a ${file} that is another program's database, and leaves it as it was`, async () => {
        const path = join(dir.path, file);
        const foreign = new (await import('better-sqlite3')).default(path);
        foreign.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO invoices (body) VALUES ('kept');");
        foreign.close();
        chmodSync(path, 0o644);
        const before = readFileSync(path);
        const output = await refusal({ DATA_DIR: dir.path, ...ADMIN });
        expect(output).to.match(new RegExp(`^data: .*${file.replace('.', '\\.')} is not one of this shop's files: it holds another program's tables \\(invoices\\)`, 'm'));
        expect(output).to.include('Move it out of DATA_DIR').and.not.include('delete it');
        expect(readFileSync(path).equals(before), 'the file is left as it was').to.equal(true);
        expect(statSync(path).mode & 0o777, 'its mode too').to.equal(0o644);
      });
    }

    // A file with no table but a schema version of another program: read-models.db took it for its own layout, wrote to it, then called it damaged.
    for (const file of ['events.db', 'read-models.db', 'keys.db', 'limits.db']) {
      it(`names a ${file} with no table but another program's user_version, and leaves it as it was`, async () => {
        const path = join(dir.path, file);
        const foreign = new (await import('better-sqlite3')).default(path);
        foreign.pragma('user_version = 7');
        foreign.close();
        const before = readFileSync(path);
        const output = await refusal({ DATA_DIR: dir.path, ...ADMIN });
        expect(output).to.match(new RegExp(`^data: .*${file.replace('.', '\\.')} is not one of this shop's files: it holds no table but another program's schema version \\(user_version 7\\)`, 'm'));
        expect(output).to.include('Move it out of DATA_DIR').and.not.include('damaged');
        expect(readFileSync(path).equals(before), 'the file is left as it was').to.equal(true);
      });
    }

    // Another program's tables named as the store's, with other columns: its file all the same, left as it was (it was switched to WAL, and keys.db had a table added).
    for (const [file, table] of [['events.db', 'events'], ['read-models.db', 'documents'], ['keys.db', 'data_keys'], ['limits.db', 'rate_limits']] as const) {
      it(`names a ${file} of another program whose table is called ${table}, and leaves it as it was`, async () => {
        const path = join(dir.path, file);
        const foreign = new (await import('better-sqlite3')).default(path);
        foreign.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, title TEXT, body TEXT); INSERT INTO ${table} (title) VALUES ('kept');`);
        foreign.close();
        const before = readFileSync(path);
        const output = await refusal({ DATA_DIR: dir.path, ...ADMIN });
        expect(output).to.match(new RegExp(`^data: .*${file.replace('.', '\\.')} is not one of this shop's files: it holds another program's tables \\(${table} with other columns\\)`, 'm'));
        expect(output).to.include('Move it out of DATA_DIR').and.not.include('delete it');
        expect(readFileSync(path).equals(before), 'the file is left as it was').to.equal(true);
      });
    }

    it('names an events.db damaged in the middle, found as the read models fold it', async () => {
      await damagedLog(dir.path);
      const output = await refusal({ DATA_DIR: dir.path, ...ADMIN });
      expect(output).to.match(/^data: .*events\.db is damaged/m).and.include('do not delete it');
    });

    it('names a jwt-secret file too short to sign with', async () => {
      await stoppedShop();
      writeFileSync(join(dir.path, 'jwt-secret'), 'x', { mode: 0o600 });
      const output = await refusal({ DATA_DIR: dir.path, ...ADMIN });
      expect(output).to.match(/^configuration: .*jwt-secret holds a secret of 1 characters/m).and.include('JWT_SECRET');
    });
  });

  describe('a new shop', () => {
    // A start that stops before the seed's first write leaves the log empty, one after it a seed
    // begun: both are finished at the next start. Nothing else may come first (the admin did, and a
    // start that failed after it left a shop that was never seeded).
    it('is seeded before anything else is written, the admin included', async () => {
      server = await startServer({ DATA_DIR: dir.path, ...ADMIN });
      server.child.kill('SIGTERM');
      expect(await server.exited).to.equal(0);
      const store = new SqliteEventStore({ path: join(dir.path, 'events.db') });
      try {
        const types = (await store.readAll()).map((event) => event.type);
        // The log's identity first (see shop-identity.ts): it names the shop, it is no write of the shop's.
        expect(types[0]).to.equal('ShopIdentityAssigned');
        const seed = types.slice(1, 24);
        expect(new Set(seed)).to.deep.equal(new Set(['InventoryItemRegistered', 'ProductCreated', 'StockReceived']));
        expect(types.slice(24)).to.include('CustomerRegistered');
      } finally {
        await store.close();
      }
    });
  });
});
