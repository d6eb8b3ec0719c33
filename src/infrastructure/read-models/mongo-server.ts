import { MongoServerError, type MongoClient } from 'mongodb';

/**
 * What the MongoDB read-model store asks of the server it connects to: multi-document
 * transactions (every projection write is one), so a replica set or a sharded cluster.
 */

/** What `hello` answers (`isMaster` on a server before 4.4.2) that tells whether transactions can run. */
export type HelloAnswer = {
  [field: string]: unknown;
  setName?: unknown;
  msg?: unknown;
  isreplicaset?: unknown;
  isWritablePrimary?: unknown;
  ismaster?: unknown;
};

const COMMAND_NOT_FOUND = 59;

export const helloOf = async (client: MongoClient): Promise<HelloAnswer> => {
  // Run with the client's primary read preference: the member that will take the writes answers.
  const admin = client.db('admin');
  try {
    return await admin.command({ hello: 1 });
  } catch (error) {
    if (!(error instanceof MongoServerError && error.code === COMMAND_NOT_FOUND)) throw error;
    return admin.command({ isMaster: 1 });
  }
};

const REPLICA_SET_FIX =
  'run it as a replica set, a single node is enough: start mongod with --replSet rs0, run rs.initiate() once, ' +
  'and add ?replicaSet=rs0 to MONGODB_URL (docker-compose.yml does all of this)';

/**
 * Why transactions cannot run on the server that answered `hello`, or undefined when they
 * can: a replica-set primary (`setName`) or a mongos (`msg: 'isdbgrid'`). A standalone
 * mongod refuses every transaction, so every bulk write.
 */
export const transactionsUnavailable = (hello: HelloAnswer): string | undefined => {
  if (hello.msg === 'isdbgrid') return undefined;
  if (hello.isreplicaset === true) {
    return 'the server was started as a replica-set member but the set is not initiated: run rs.initiate() once';
  }
  if (typeof hello.setName !== 'string') return `it is a standalone server, which cannot run transactions: ${REPLICA_SET_FIX}`;
  if (hello.isWritablePrimary !== true && hello.ismaster !== true) {
    return `the member answering is not the primary of replica set ${hello.setName}: connect to the set (?replicaSet=${hello.setName}, without directConnection=true), not to one member`;
  }
  return undefined;
};

/** The URL without its password, for messages. */
export const redacted = (url: string): string => url.replace(/^(mongodb(?:\+srv)?:\/\/[^:/?@]*:)[^@/?]*@/, '$1***@');
