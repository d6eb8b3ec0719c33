import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { v4 as uuid } from 'uuid';
import { SqliteEventStore, type SqliteEventStoreOptions } from '../../src/infrastructure/event-store/sqlite-event-store.js';

/**
 * An embedded event store open in a process of its own, driven over IPC, for tests of what
 * several processes on one file see of each other.
 */

export type StoreProcess = {
  child: ChildProcess;
  /** Appends one event; resolves with its position once the append is answered. */
  append(streamName: string, type: string): Promise<number>;
  /** Appends one event, and the child SIGKILLs itself the moment the append is answered; resolves once it is dead. */
  appendAndDie(streamName: string, type: string): Promise<NodeJS.Signals | null>;
  close(): Promise<void>;
};

type Request = { op: 'append' | 'append-and-die' | 'close'; streamName?: string; type?: string };
type Reply = { ready?: true; position?: number; error?: string };

const SELF = fileURLToPath(import.meta.url);

export const storeProcess = async (options: SqliteEventStoreOptions): Promise<StoreProcess> => {
  const child = fork(SELF, [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const replies: Array<(reply: Reply) => void> = [];
  child.on('message', (reply) => replies.shift()?.(reply as Reply));
  const next = (): Promise<Reply> =>
    Promise.race([
      new Promise<Reply>((resolve) => replies.push(resolve)),
      exited.then((signal): Reply => ({ error: `the store process exited (${signal ?? child.exitCode})` })),
    ]);
  const ready = await next();
  if (!ready.ready) throw new Error(ready.error);
  return {
    child,
    append: async (streamName, type) => {
      const reply = next();
      child.send({ op: 'append', streamName, type } satisfies Request);
      const { position, error } = await reply;
      if (position === undefined) throw new Error(error ?? 'no position');
      return position;
    },
    appendAndDie: (streamName, type) => {
      child.send({ op: 'append-and-die', streamName, type } satisfies Request);
      return exited;
    },
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.send({ op: 'close' } satisfies Request);
      await exited;
    },
  };
};

/** The child's side: opens the store, says it is ready, answers requests. */
const serve = (options: SqliteEventStoreOptions) => {
  const store = new SqliteEventStore(options);
  process.on('message', async (request: Request) => {
    if (request.op === 'close') {
      await store.close();
      process.disconnect();
      return;
    }
    try {
      const { position } = await store.appendToStream(request.streamName!, [{ id: uuid(), type: request.type!, data: {}, metadata: {} }]);
      if (request.op === 'append-and-die') process.kill(process.pid, 'SIGKILL');
      else process.send!({ position } satisfies Reply);
    } catch (error) {
      process.send!({ error: (error as Error).message } satisfies Reply);
    }
  });
  process.send!({ ready: true } satisfies Reply);
};

if (process.argv[1] === SELF && process.send) serve(JSON.parse(process.argv[2]!) as SqliteEventStoreOptions);
