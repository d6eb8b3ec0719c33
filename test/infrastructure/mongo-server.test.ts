import { expect } from 'chai';
import { createRequire } from 'node:module';
import { MongoServerSelectionError, type ServerDescription, type TopologyDescription } from 'mongodb';
import { connectFailure, redacted, serverTooOld, transactionsUnavailable } from '../../src/infrastructure/read-models/mongo-server.js';

/** What the MongoDB read-model store makes of the server it connects to (src/infrastructure/read-models/mongo-server.ts). */
describe('MongoDB adapter: the server it connects to', () => {
  describe('transactionsUnavailable (what connect refuses, from the hello answer)', () => {
    const toSet = { directConnection: false };
    const direct = { directConnection: true };

    it('refuses a standalone mongod, naming the fix: a single-node replica set and ?replicaSet=rs0', () => {
      const problem = transactionsUnavailable({ isWritablePrimary: true, maxWireVersion: 21, ok: 1 }, toSet);
      expect(problem).to.match(/standalone/).and.match(/--replSet rs0/).and.match(/rs\.initiate\(\)/).and.match(/\?replicaSet=rs0/);
    });

    it('refuses a member whose replica set is not initiated yet', () => {
      expect(transactionsUnavailable({ isreplicaset: true, isWritablePrimary: false }, direct)).to.match(/not initiated: run rs\.initiate\(\)/);
    });

    it('refuses a secondary or an arbiter reached directly, naming the set to connect to', () => {
      for (const member of [{ secondary: true }, { arbiterOnly: true }]) {
        const problem = transactionsUnavailable({ setName: 'shopset', isWritablePrimary: false, ...member }, direct);
        expect(problem).to.match(/not the primary/).and.match(/\?replicaSet=shopset/).and.match(/directConnection/);
      }
    });

    it('accepts a member that answers as a secondary over a connection to the set: the primary stepped down meanwhile (an election)', () => {
      // The driver sent hello to the member it knew as the primary; the set elects another, and writes wait for it.
      expect(transactionsUnavailable({ setName: 'rs0', isWritablePrimary: false, secondary: true }, toSet)).to.equal(undefined);
    });

    it('accepts a replica-set primary (hello, or isMaster before 4.4.2) and a mongos', () => {
      for (const connection of [toSet, direct]) {
        expect(transactionsUnavailable({ setName: 'rs0', isWritablePrimary: true }, connection)).to.equal(undefined);
        expect(transactionsUnavailable({ setName: 'rs0', ismaster: true }, connection)).to.equal(undefined);
        expect(transactionsUnavailable({ msg: 'isdbgrid', isWritablePrimary: true }, connection)).to.equal(undefined);
      }
    });
  });

  describe('serverTooOld', () => {
    it('refuses MongoDB before 5.0, which refuses dotted field names in replacements (a SKU as a key)', () => {
      expect(serverTooOld({ setName: 'rs0', isWritablePrimary: true, maxWireVersion: 9 })).to.match(/older than MongoDB 5\.0 \(wire version 9\)/);
      for (const maxWireVersion of [13, 17, 21, 25]) expect(serverTooOld({ setName: 'rs0', maxWireVersion })).to.equal(undefined);
    });
  });

  describe('connectFailure (a connect that found no server to use)', () => {
    /** The driver's own view of a server from its hello answer (SDAM's server description). */
    const seen = (address: string, hello: Record<string, unknown>) =>
      new driverSdam.ServerDescription(address, { ok: 1, minWireVersion: 0, maxWireVersion: 21, ...hello });
    const selectionFailed = (...servers: Array<{ address: string }>) =>
      new MongoServerSelectionError(
        'Server selection timed out after 30000 ms',
        new driverSdam.TopologyDescription('Unknown', new Map(servers.map((server) => [server.address, server]))),
      );

    it('names an uninitiated replica set, which the driver never selects, instead of a bare selection timeout', () => {
      const timeout = selectionFailed(seen('mongo:27017', { isreplicaset: true, isWritablePrimary: false, secondary: false }));
      const error = connectFailure('mongodb://shop:pw@mongo:27017/shop', timeout) as Error;
      expect(error.message).to.equal('MongoDB at mongodb://shop:***@mongo:27017/shop: the server was started as a replica-set member but the set is not initiated: run rs.initiate() once');
      expect(error.cause).to.equal(timeout);
    });

    it('names a replica set without a primary', () => {
      const secondary = seen('db1:27017', { setName: 'rs0', secondary: true, isWritablePrimary: false, hosts: ['db1:27017', 'db2:27017'] });
      const error = connectFailure('mongodb://db1,db2/shop?replicaSet=rs0', selectionFailed(secondary)) as Error;
      expect(error.message).to.match(/replica set rs0 has no primary/);
    });

    it('leaves other failures as the driver made them (an unreachable server, a refused login)', () => {
      const unreachable = selectionFailed(new driverSdam.ServerDescription('mongo:27017'));
      expect(connectFailure('mongodb://mongo:27017', unreachable)).to.equal(unreachable);
      const other = new Error('Authentication failed.');
      expect(connectFailure('mongodb://mongo:27017', other)).to.equal(other);
    });
  });

  describe('redacted', () => {
    it('names the server in its message without the password', () => {
      expect(redacted('mongodb://shop:s3cr%40t@db1:27017,db2/shop?replicaSet=rs0')).to.equal('mongodb://shop:***@db1:27017,db2/shop?replicaSet=rs0');
      expect(redacted('mongodb+srv://u:p@cluster.example.net/')).to.equal('mongodb+srv://u:***@cluster.example.net/');
      expect(redacted('mongodb://localhost:27017/shop')).to.equal('mongodb://localhost:27017/shop');
    });
  });

});

/** The driver's SDAM classes, whose constructors its type declarations leave out. */
const driverSdam = {
  ServerDescription: createRequire(import.meta.url)('mongodb/lib/sdam/server_description.js').ServerDescription as new (
    address: string,
    hello?: Record<string, unknown>,
  ) => ServerDescription,
  TopologyDescription: createRequire(import.meta.url)('mongodb/lib/sdam/topology_description.js').TopologyDescription as new (
    type: string,
    servers: Map<string, unknown>,
  ) => TopologyDescription,
};