import * as assert from 'node:assert/strict';
import { UsageLedger, costOf, formatUsageTable } from '../../../src/core/llm/accounting';

const usage = (promptTokens: number, completionTokens: number) => ({ promptTokens, completionTokens, totalTokens: promptTokens + completionTokens });

describe('llm: usage accounting', () => {
  it('costs a call from the prices per million tokens; an unknown price or usage is unknown, not 0', () => {
    const priced = { pricePerMillionInput: 0.15, pricePerMillionOutput: 0.6 };
    assert.equal(costOf(priced, usage(1_000_000, 500_000)), 0.15 + 0.3);
    assert.ok(Math.abs((costOf(priced, usage(1200, 300)) ?? NaN) - (1200 * 0.15 + 300 * 0.6) / 1e6) < 1e-15);
    assert.equal(costOf({ pricePerMillionInput: 1 }, usage(10, 5)), undefined, 'no output price');
    assert.equal(costOf({}, usage(10, 5)), undefined);
    assert.equal(costOf(priced, undefined), undefined, 'no usage reported');
    assert.equal(costOf({ pricePerMillionInput: 2 }, usage(1_000_000, 0)), 2, 'no output tokens: the missing output price does not matter');
  });

  it('sums requests, cached answers, failures and tokens per profile and for the run', () => {
    const ledger = new UsageLedger();
    ledger.recordAnswered('a', 'm1', usage(100, 20), 0.001);
    ledger.recordAnswered('a', 'm1', usage(50, 10), 0.0005);
    ledger.recordCached('a', 'm1');
    ledger.recordFailed('a', 'm1');
    ledger.recordAnswered('b', 'm2', usage(7, 3), 0.002);
    const { profiles, total } = ledger.summary();
    assert.deepEqual(profiles.map((p) => [p.profile, p.model, p.requests, p.cached, p.failed, p.promptTokens, p.completionTokens]), [
      ['a', 'm1', 3, 1, 1, 150, 30],
      ['b', 'm2', 1, 0, 0, 7, 3],
    ]);
    assert.ok(Math.abs((profiles[0]?.costUsd ?? NaN) - 0.0015) < 1e-12);
    assert.deepEqual([total.requests, total.cached, total.failed, total.promptTokens, total.completionTokens], [4, 1, 1, 157, 33]);
    assert.ok(Math.abs((total.costUsd ?? NaN) - 0.0035) < 1e-12);
    assert.equal(total.model, 'm1, m2');
  });

  it('one call of unknown cost makes its profile and the total unknown, while the known part is kept', () => {
    const ledger = new UsageLedger();
    ledger.recordAnswered('a', 'm', usage(10, 10), 0.01);
    ledger.recordAnswered('b', 'm', usage(10, 10), undefined);
    const { profiles, total } = ledger.summary();
    assert.equal(profiles[0]?.costUsd, 0.01);
    assert.equal(profiles[1]?.costUsd, undefined);
    assert.equal(profiles[1]?.unpricedCalls, 1);
    assert.equal(total.costUsd, undefined);
    assert.equal(total.knownCostUsd, 0.01);
    const table = formatUsageTable(ledger.summary());
    assert.match(table[2] as string, /unknown$/);
    assert.match(table[3] as string, /^total .*≥ \$0\.0100 \(1 unpriced\)$/);
  });

  it('tells listeners of every change until they unsubscribe; a failing listener does not break recording', () => {
    const ledger = new UsageLedger();
    let calls = 0;
    ledger.onDidChange(() => {
      throw new Error('a disposed status bar');
    });
    const unsubscribe = ledger.onDidChange(() => calls++);
    ledger.recordCached('a', 'm');
    ledger.recordAnswered('a', 'm', usage(1, 1), undefined);
    assert.equal(calls, 2);
    unsubscribe();
    ledger.recordFailed('a', 'm');
    assert.equal(calls, 2);
    assert.equal(ledger.summary().total.requests, 2);
  });

  it('formats the end-of-run table: a header, a line per profile, aligned columns, and a total for several profiles', () => {
    const ledger = new UsageLedger();
    ledger.recordAnswered('teacher-a', 'gpt-4o-mini', usage(1234, 567), 0.000525);
    ledger.recordCached('teacher-a', 'gpt-4o-mini');
    ledger.recordAnswered('local', 'qwen', usage(10, 20), 0);
    const lines = formatUsageTable(ledger.summary());
    assert.deepEqual(lines, [
      'profile    model              requests  cached  failed  tokens in  tokens out     cost',
      'teacher-a  gpt-4o-mini               1       1       0       1234         567  $0.0005',
      'local      qwen                      1       0       0         10          20  $0.0000',
      'total      gpt-4o-mini, qwen         2       1       0       1244         587  $0.0005',
    ]);
    assert.equal(formatUsageTable(new UsageLedger().summary()).length, 2, 'no profiles: the header and a total of zeros');
  });
});
