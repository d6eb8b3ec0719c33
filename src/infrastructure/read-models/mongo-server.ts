import { MongoServerError, MongoServerSelectionError, type MongoClient } from 'mongodb';

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

const NOT_INITIATED = 'the server was started as a replica-set member but the set is not initiated: run rs.initiate() once';

/**
 * Why transactions cannot run on the server that answered `hello`, or undefined when they
 * can: a replica-set member (`setName`) or a mongos (`msg: 'isdbgrid'`). A standalone
 * mongod refuses every transaction, so every bulk write. A member that is not the primary
 * is refused only on a direct connection (`directConnection=true`: every write goes to that
 * member). Connected to the set, the driver sent `hello` to the member it knew as the
 * primary: one that answers otherwise stepped down meanwhile (an election), and the writes
 * go to whichever member the set elects.
 */
export const transactionsUnavailable = (hello: HelloAnswer, { directConnection }: { directConnection: boolean }): string | undefined => {
  if (hello.msg === 'isdbgrid') return undefined;
  if (hello.isreplicaset === true) return NOT_INITIATED;
  if (typeof hello.setName !== 'string') return `it is a standalone server, which cannot run transactions: ${REPLICA_SET_FIX}`;
  if (directConnection && hello.isWritablePrimary !== true && hello.ismaster !== true) {
    return `the member answering is not the primary of replica set ${hello.setName}: connect to the set (?replicaSet=${hello.setName}, without directConnection=true), not to one member`;
  }
  return undefined;
};

/** MongoDB 5.0 speaks wire version 13 (4.4: 9, 6.0: 17, 7.0: 21). */
const WIRE_VERSION_5_0 = 13;

/**
 * Why the server is too old for the read models, or undefined. Documents keep data as keys
 * (the order saga's reservations by SKU, and a SKU may hold a dot): before 5.0 a replacement
 * or an upsert refuses a field name with a dot ("The dotted field ... is not valid for
 * storage"), and the saga would stop at the first such order.
 */
export const serverTooOld = (hello: HelloAnswer): string | undefined =>
  typeof hello.maxWireVersion === 'number' && hello.maxWireVersion < WIRE_VERSION_5_0
    ? `it is older than MongoDB 5.0 (wire version ${hello.maxWireVersion}), which the read models need (field names holding dots)`
    : undefined;

/** The part of the driver's TopologyDescription (a selection error's `reason`) read here. */
export type ServersSeen = { servers: ReadonlyMap<string, { type: string; setName?: string | null }> };

/**
 * Why connecting found no server to use, when the driver's view of the servers tells more
 * than its "Server selection timed out after 30000 ms": a member of a replica set that was
 * never initiated (the driver sees an RSGhost, which it never selects, unless connected
 * directly), or members of a set that has no primary.
 */
export const noServerReason = (seen: ServersSeen | undefined): string | undefined => {
  const servers = [...(seen?.servers.values() ?? [])];
  if (servers.some((server) => server.type === 'RSGhost')) return NOT_INITIATED;
  const member = servers.find((server) => ['RSSecondary', 'RSArbiter', 'RSOther'].includes(server.type));
  if (member) {
    return `replica set ${member.setName ?? ''} has no primary: an election that has not ended, or fewer than a majority of its members up`;
  }
  return undefined;
};

/** A failed connect as the operator should read it (the driver's error stays its cause). */
export const connectFailure = (url: string, error: unknown): unknown => {
  const reason = error instanceof MongoServerSelectionError ? noServerReason(error.reason) : undefined;
  return reason ? new Error(`MongoDB at ${redacted(url)}: ${reason}`, { cause: error }) : error;
};

/** The URL without its password, for messages. */
export const redacted = (url: string): string => url.replace(/^(mongodb(?:\+srv)?:\/\/[^:/?@]*:)[^@/?]*@/, '$1***@');
