import { expect } from 'chai';
import fc from 'fast-check';
import { operationsOf } from './requests.js';
import { contractCheck } from '../support/contract.js';
import { runOperationFuzz } from './operation-fuzz.js';

/**
 * The fuzzer of ./operation-fuzz.ts with a fixed seed, on every operation of the document.
 * `npm run fuzz -- --runs N --seed S` runs it longer (test/fuzz/cli.ts).
 */

const SEED = 20261202;
/** About 35 requests an operation (32 s at 4,000 here, the longest test of `npm test`); `npm run fuzz` sends 10,000. */
const RUNS = 2_500;

describe('Fuzzing every operation from the OpenAPI document', function () {
  this.timeout(180_000);

  it(`answers ${RUNS} generated requests, valid and spoiled, as the document says (seed ${SEED})`, async () => {
    const outcomes = await runOperationFuzz({ runs: RUNS, seed: SEED });
    expect(outcomes.map((o) => o.op).sort()).to.deep.equal(operationsOf(contractCheck().document).map((op) => op.id).sort());
    const failures = outcomes.filter((o) => o.details.failed).map((o) => `${o.op}: ${String(o.details.errorInstance)}\n${fc.defaultReportMessage(o.details)}`);
    expect(failures, failures.join('\n\n')).to.deep.equal([]);
    expect(outcomes.every((o) => o.runs > 0)).to.equal(true);
  });
});
