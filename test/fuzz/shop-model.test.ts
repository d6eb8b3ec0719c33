import { runShopModel, shopModelReport } from './model/runner.js';

/**
 * The model-based test of the shop with a fixed seed (`npm run fuzz` runs it longer, with
 * any seed). On failure it throws fast-check's report: the shrunk command sequence, the seed
 * and the path that replay it.
 */

const SEED = 1414;
const RUNS = 15;

describe('the shop against its model (fc.commands)', function () {
  this.timeout(120_000);

  it('answers and reads back what the model predicts over random command sequences', async () => {
    const details = await runShopModel({ runs: RUNS, seed: SEED });
    if (details.failed) throw new Error(shopModelReport(details) ?? 'the model run failed');
  });
});
