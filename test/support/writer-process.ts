import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { v4 as uuid } from 'uuid';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { SqliteKeyStore } from '../../src/privacy/sqlite-key-store.js';

/**
 * Another process of the shop writing to the three embedded files of a directory (events.db,
 * read-models.db, keys.db), for tests of what this process sees of it and when. The child
 * rings no commit bell and polls for nothing: what the parent learns of its writes, it
 * learns by the message that answers them.
 *
 * `writeWhenTold` lets a test place the child's write inside one callback of its own: the
 * child does the write once the file `go` exists (made by the test, synchronously), then
 * makes `done` and answers. The test waits for `done` without leaving its callback; the
 * answer is then the next I/O callback of the same turn of the parent's event loop.
 */

export type Write = { op: 'append'; streamName: string } | { op: 'set'; collection: string; id: string; value: number } | { op: 'destroy'; keyId: string };

export type WriterProcess = {
  /** Sends the write; it is done once `go` exists, and the promise resolves with the answer. */
  writeWhenTold(write: Write, go: string, done: string): Promise<void>;
  close(): Promise<void>;
};

type Request = { write: Write; go: string; done: string } | { close: true };

const SELF = fileURLToPath(import.meta.url);

export const writerProcess = async (dir: string): Promise<WriterProcess> => {
  const child: ChildProcess = fork(SELF, [dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const answer = () =>
    new Promise<void>((resolve, reject) => {
      child.once('message', (reply: { error?: string }) => (reply.error ? reject(new Error(reply.error)) : resolve()));
      void exited.then(() => reject(new Error('the writer process exited')));
    });
  await answer();
  return {
    writeWhenTold: (write, go, done) => {
      const answered = answer();
      child.send({ write, go, done } satisfies Request);
      return answered;
    },
    close: async () => {
      if (child.connected) child.send({ close: true } satisfies Request);
      await exited;
    },
  };
};

const serve = async (dir: string) => {
  const events = new SqliteEventStore({ path: join(dir, 'events.db'), crossProcessWake: false, crossProcessPollMs: 3_600_000 });
  const readModels = new EmbeddedReadModelStore({ path: join(dir, 'read-models.db') });
  const keys = new SqliteKeyStore(join(dir, 'keys.db'));
  const run = async (write: Write) => {
    if (write.op === 'append') await events.appendToStream(write.streamName, [{ id: uuid(), type: 'Written', data: {}, metadata: {} }]);
    else if (write.op === 'set') await readModels.collection(write.collection).updateOne({ _id: write.id }, { $set: { value: write.value } }, { upsert: true });
    else await keys.destroy(write.keyId, new Date().toISOString());
  };
  process.on('message', (request: Request) => {
    if ('close' in request) {
      void Promise.all([events.close(), readModels.close(), keys.close()]).then(() => process.disconnect());
      return;
    }
    const waiting = setInterval(() => {
      if (!existsSync(request.go)) return;
      clearInterval(waiting);
      run(request.write).then(
        () => {
          writeFileSync(request.done, '');
          process.send!({});
        },
        (error: unknown) => process.send!({ error: String(error) }),
      );
    }, 1);
  });
  process.send!({});
};

if (process.argv[1] === SELF && process.send) void serve(process.argv[2]!);
