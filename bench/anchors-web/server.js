// The emmett-http anchor: Emmett's shopping-cart web API (samples/webApi/expressjs-with-sqlite,
// its add-product-item route) on Emmett's express integration and its SQLite event store.
// Run by bench/benchmarks/emmett-http.ts as `node server.js <database file>`; prints
// {"port":...,"synchronous":...} once listening. Plain JavaScript so that it resolves Emmett from
// this folder's node_modules and the app's tsc never needs Emmett's types.
import {
  CommandHandler,
  IllegalStateError,
  assertNotEmptyString,
  assertPositiveNumber,
} from '@event-driven-io/emmett';
import { NoContent, getApplication, on, startAPI } from '@event-driven-io/emmett-expressjs';
import { SQLiteConnectionPool, getSQLiteEventStore, sqliteConnection } from '@event-driven-io/emmett-sqlite';

const fileName = process.argv[2];
if (!fileName) throw new Error('usage: node server.js <database file>');

// The sample's pool (dumbo's sqlite3 pool) writes through one connection, one call at a time,
// with busy_timeout 5000. emmett-sqlite 0.42.4 has no such pool (its default opens a connection
// per call and, with no busy_timeout, fails concurrent writers with SQLITE_BUSY), so this
// builds the same shape from its own sqliteConnection. synchronous=FULL: the sample's default is
// NORMAL, which does not fsync each commit; ours does.
const writer = sqliteConnection({ fileName });
await writer.command('PRAGMA busy_timeout = 5000');
await writer.command('PRAGMA synchronous = FULL');
let tail = Promise.resolve();
const onlyWriter = {
  connection: () => Promise.resolve(writer),
  withConnection: (handle) => {
    const run = tail.then(() => handle(writer));
    tail = run.catch(() => undefined);
    return run;
  },
  close: () => Promise.resolve(writer.close()),
};
// For comparison by hand (`node server.js <file> per-call|default`): emmett-sqlite's own pool,
// a connection per call, with the same pragmas on each, or left as it comes.
const perCall = (own) => ({
  ...own,
  withConnection: (handle) =>
    own.withConnection(async (connection) => {
      await connection.command('PRAGMA busy_timeout = 5000');
      await connection.command('PRAGMA synchronous = FULL');
      return handle(connection);
    }),
});
const mode = process.argv[3] ?? 'writer';
const pool = { writer: onlyWriter, 'per-call': perCall(SQLiteConnectionPool({ fileName })), default: undefined }[mode];

const eventStore = getSQLiteEventStore({ fileName, ...(pool ? { pool } : {}), schema: { autoMigration: 'CreateOrUpdate' } });
await eventStore.schema.migrate();

// shoppingCart.ts: evolve and initialState, as in the sample
const initialState = () => ({ status: 'Empty' });
const evolve = (state, { type, data }) => {
  switch (type) {
    case 'ProductItemAddedToShoppingCart':
    case 'ProductItemRemovedFromShoppingCart': {
      if (state.status !== 'Opened' && state.status !== 'Empty') return state;
      const productItems = new Map(state.status === 'Opened' ? state.productItems : []);
      const sign = type === 'ProductItemAddedToShoppingCart' ? 1 : -1;
      const { productId, quantity } = data.productItem;
      productItems.set(productId, (productItems.get(productId) ?? 0) + sign * quantity);
      return { status: 'Opened', productItems };
    }
    case 'ShoppingCartConfirmed':
    case 'ShoppingCartCancelled':
      return { status: 'Closed' };
    default:
      return state;
  }
};

// businessLogic.ts: addProductItem, as in the sample
const addProductItem = (command, state) => {
  if (state.status === 'Closed') throw new IllegalStateError('Shopping Cart already closed');
  const { data: { shoppingCartId, clientId, productItem }, metadata } = command;
  return {
    type: 'ProductItemAddedToShoppingCart',
    data: { shoppingCartId, clientId, productItem, addedAt: metadata.now },
    metadata: { clientId: metadata.clientId },
  };
};

// api.ts: the add-product-item route, as in the sample
const handle = CommandHandler({ evolve, initialState });
const getShoppingCartId = (clientId) => `shopping_cart:${assertNotEmptyString(clientId)}:current`;
const getUnitPrice = (_productId) => Promise.resolve(100);

const shoppingCartApi = (router) => {
  router.post(
    '/clients/:clientId/shopping-carts/current/product-items',
    on(async (request) => {
      const clientId = assertNotEmptyString(request.params.clientId);
      const shoppingCartId = getShoppingCartId(clientId);
      const productId = assertNotEmptyString(request.body.productId);
      const command = {
        type: 'AddProductItemToShoppingCart',
        data: {
          shoppingCartId,
          clientId,
          productItem: { productId, quantity: assertPositiveNumber(request.body.quantity), unitPrice: await getUnitPrice(productId) },
        },
        metadata: { clientId, now: new Date() },
      };
      await handle(eventStore, shoppingCartId, (state) => addProductItem(command, state));
      return NoContent();
    }),
  );
};

const [{ synchronous }] = await writer.query('PRAGMA synchronous');
const server = startAPI(getApplication({ apis: [shoppingCartApi] }), { port: 0 });
server.on('listening', () => console.log(JSON.stringify({ port: server.address().port, synchronous })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
