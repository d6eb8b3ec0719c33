import { expect } from 'chai';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { ReadModelCollection } from '../../src/infrastructure/read-models/read-model-store.js';
import { JobCompletions } from '../../src/processes/job-completions.js';
import { JOBS, type JobDocument } from '../../src/processes/job-documents.js';

describe('Finished jobs leaving the queue', () => {
  let store: EmbeddedReadModelStore;
  let writes: number;
  let jobs: ReadModelCollection<JobDocument>;

  beforeEach(async () => {
    store = new EmbeddedReadModelStore({ path: ':memory:' });
    jobs = store.collection<JobDocument>(JOBS);
    for (const id of ['a', 'b', 'c', 'd']) await jobs.insertOne({ _id: id, kind: 'send-notification', runAt: '2030-01-01T00:00:00.000Z', payload: {}, attempts: 0, createdAt: '', dueAt: 0, lockedUntil: 0 } as JobDocument);
    writes = 0;
    const deleteMany = jobs.deleteMany.bind(jobs);
    jobs.deleteMany = (filter, options) => {
      writes += 1;
      return deleteMany(filter, options);
    };
  });

  afterEach(() => store.close());

  const left = async () => (await store.collection(JOBS).find({})).map((job) => job._id).sort();

  it('are deleted by one write for the jobs that finish in one turn, each told once its own is done', async () => {
    const completions = new JobCompletions(() => jobs);
    await Promise.all([completions.done('a'), completions.done('b'), completions.done('c')]);
    expect(writes).to.equal(1);
    expect(await left()).to.deep.equal(['d']);
  });

  it('start a new write for a job that finishes while the last one is on its way', async () => {
    const completions = new JobCompletions(() => jobs);
    const first = completions.done('a');
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([first, completions.done('b')]);
    expect(writes).to.equal(2);
    expect(await left()).to.deep.equal(['c', 'd']);
  });

  it('fail every job of a write that fails (each runs again), and the next write goes on', async () => {
    const completions = new JobCompletions(() => jobs);
    const deleteMany = jobs.deleteMany.bind(jobs);
    jobs.deleteMany = () => Promise.reject(new Error('disk full'));
    const results = await Promise.allSettled([completions.done('a'), completions.done('b')]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    jobs.deleteMany = deleteMany;
    await completions.done('c');
    expect(await left()).to.deep.equal(['a', 'b', 'd']);
  });
});
