import { expect } from 'chai';
import type supertest from 'supertest';
import { JOBS, PARKED_JOBS } from '../../../src/processes/jobs.js';
import { PARKED_EVENTS } from '../../../src/processes/parked-events.js';
import { expectProblem, type TestApp } from '../../support/test-app.js';

/**
 * The real shop as the commands drive it: the whole HTTP app (every answer checked against
 * the OpenAPI document by test/support/contract.ts), plus a wait for quiet after each write,
 * so that the saga, its jobs and the read models are all done and the model can predict.
 */

export type Method = 'get' | 'post' | 'patch' | 'delete';

export class Shop {
  /** Requests sent so far, for the fuzz report. */
  requests = 0;
  /** How often each write answered each status (`POST /api/v1/orders/:id/cancel 409`): what the runs covered. */
  readonly outcomes = new Map<string, number>();
  /** What was parked before this run (an earlier failing run may have left some): this run adds none. */
  private parkedBefore = 0;

  constructor(
    readonly app: TestApp,
    readonly admin: string,
  ) {}

  request(method: Method, path: string, token?: string, body?: object, headers: Record<string, string> = {}): Promise<supertest.Response> {
    this.requests += 1;
    let req = this.app.http()[method](path).set(headers);
    if (token) req = req.set('Authorization', `Bearer ${token}`);
    return body === undefined ? req : req.send(body);
  }

  /**
   * Waits until nothing more will happen on its own: the log head is still, every projection
   * and process manager has handled it, and no job is queued (timers aside: payment expiries,
   * which the runner sets far beyond a run and which decide nothing for a settled payment; the
   * booking jobs that follow a dispatch, which find its booking done; the simulated carrier's
   * reports, which the runner sets a day after a booking, beyond a run).
   */
  async quiesce(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const { deps } = this.app;
    const jobs = deps.readModels.collection(JOBS);
    for (;;) {
      const head = await this.app.head();
      const left = Math.max(1, deadline - Date.now());
      const caughtUp = await Promise.all([deps.projections.waitFor(head, left), ...deps.processes.map((p) => p.waitFor(head, left))]);
      const queued = await jobs.countDocuments({ kind: { $nin: ['expire-payment', 'book-shipment', 'carrier-webhook'] } });
      if (caughtUp.every(Boolean) && queued === 0 && (await this.app.head()) === head) return;
      if (Date.now() > deadline) throw new Error(`the shop did not settle within ${timeoutMs} ms (head ${head}, ${queued} jobs queued)`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Waits until every projection and process manager has handled the log and appends no more (jobs aside). */
  async logSettled(timeoutMs = 10_000): Promise<void> {
    const { deps } = this.app;
    for (let head = await this.app.head(); ; ) {
      const caughtUp = await Promise.all([deps.projections.waitFor(head, timeoutMs), ...deps.processes.map((p) => p.waitFor(head, timeoutMs))]);
      if (!caughtUp.every(Boolean)) throw new Error(`the runners did not reach ${head} within ${timeoutMs} ms`);
      const now = await this.app.head();
      if (now === head) return;
      head = now;
    }
  }

  /** Runs a write and waits for quiet; when `nothing` is set, the write must have appended no event. */
  async write(act: () => Promise<supertest.Response>, nothing: boolean): Promise<supertest.Response> {
    const before = await this.app.head();
    const res = await act();
    this.tally(`${describe(res).split(' → ')[0]!.replace(/[0-9a-f]{8}-[0-9a-f-]{27}|MODEL-[0-9-]+/g, ':id')} ${res.status}`);
    await this.quiesce();
    if (nothing) await this.expectNoEventsSince(before, res);
    return res;
  }

  private async expectNoEventsSince(before: number, res: supertest.Response): Promise<void> {
    if ((await this.app.head()) === before) return;
    const appended = (await this.app.events()).filter((event) => event.position > before);
    const what = appended.map((event) => `${event.type} (${event.streamName})`).join(', ');
    throw new Error(`${describe(res)} should have appended nothing, but the log grew by: ${what}`);
  }

  tally(key: string): void {
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
  }

  async startRun(): Promise<void> {
    this.parkedBefore = (await this.parked()).length;
  }

  /** Work the shop gave up on is a defect too: a run may park nothing. */
  async expectNothingParked(): Promise<void> {
    const parked = await this.parked();
    expect(parked.slice(this.parkedBefore), 'parked events or jobs').to.deep.equal([]);
  }

  private async parked() {
    const store = this.app.deps.readModels;
    return [...(await store.collection(PARKED_EVENTS).find({})), ...(await store.collection(PARKED_JOBS).find({}))];
  }
}

export const describe = (res: supertest.Response) => {
  const req = (res as unknown as { req?: { method?: string; path?: string } }).req;
  return `${req?.method ?? '?'} ${req?.path ?? '?'} → ${res.status} ${JSON.stringify(res.body)}`;
};

/** The status the model predicted; a refusal must be problem+json. */
export const expectStatus = (res: supertest.Response, status: number): void => {
  if (status >= 400) expectProblem(res, status);
  else expect(res.status, describe(res)).to.equal(status);
};
