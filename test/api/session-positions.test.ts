import { expect } from 'chai';
import type { Request, Response } from 'express';
import { SESSION_POSITIONS, SessionPositions } from '../../src/api/consistency.js';
import type { ReadModelStore, WriteOperation } from '../../src/infrastructure/read-models/read-model-store.js';

/** Read-your-writes across processes: the positions of writes are kept in the shared store before their answers leave. */

type Answer = { res: Response; sent: unknown[] };

const writeAnswer = (principal: string): Answer => {
  const sent: unknown[] = [];
  const res = {
    req: { principal: { customerId: principal, role: 'customer' }, id: `req-${principal}` },
    locals: {},
    set: () => res,
    json: (body: unknown) => {
      sent.push(body);
      return res;
    },
  } as unknown as Response;
  return { res, sent };
};

describe('Session positions (read-your-writes)', () => {
  it('keeps the positions of answers leaving together in one store write, made before they leave and without waiting for the next turn', async () => {
    const writes: WriteOperation[][] = [];
    const store = {
      collection: () => ({}),
      bulkWrite: async (operations: WriteOperation[]) => void writes.push(operations),
    } as unknown as ReadModelStore;
    const sessions = new SessionPositions({ waitFor: async () => true }, 1000, store);
    const answers = ['a', 'b', 'c'].map(writeAnswer);
    const middleware = sessions.middleware();
    for (const { res } of answers) await middleware({ method: 'POST' } as Request, res, () => undefined);

    let turned = false;
    setImmediate(() => (turned = true));
    // As a group commit answers its appends: every continuation in the same drain of the microtask queue, some deeper than others.
    await Promise.all(
      answers.map(async ({ res }, i) => {
        for (let hop = 0; hop < i * 3; hop += 1) await Promise.resolve();
        sessions.wrote(res, 10 + i);
        expect(writes).to.deep.equal([]);
        res.json({ answer: i });
      }),
    );
    for (let tick = 0; tick < 100 && answers.some((a) => a.sent.length === 0); tick += 1) await new Promise((resolve) => process.nextTick(resolve));
    expect(answers.map((a) => a.sent.length)).to.deep.equal([1, 1, 1]);
    expect(turned).to.equal(false);
    expect(writes).to.have.length(1);
    expect(writes[0]).to.deep.equal(
      ['a', 'b', 'c'].map((principal, i) => ({ collection: SESSION_POSITIONS, updateOne: { filter: { _id: principal }, update: { $max: { position: 10 + i } }, upsert: true } })),
    );
    expect(answers.map((a) => a.sent)).to.deep.equal([[{ answer: 0 }], [{ answer: 1 }], [{ answer: 2 }]]);
  });

  it('hands an answer that fails to leave after its wait to the error handlers, with no rejection left unhandled', async () => {
    const store = { collection: () => ({}), bulkWrite: async () => undefined } as unknown as ReadModelStore;
    const sessions = new SessionPositions({ waitFor: async () => true }, 1000, store);
    const failure = new TypeError('Do not know how to serialize a BigInt');
    const handled: unknown[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const res = {
        req: { principal: { customerId: 'a', role: 'customer' }, id: 'req-a', next: (error: unknown) => void handled.push(error) },
        locals: {},
        headersSent: false,
        set: () => res,
        json: () => {
          throw failure;
        },
      } as unknown as Response;
      await sessions.middleware()({ method: 'POST' } as Request, res, () => undefined);
      sessions.wrote(res, 7);
      res.json({ total: 1n });
      for (let turn = 0; turn < 5 && handled.length === 0; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(handled).to.deep.equal([failure]);
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
