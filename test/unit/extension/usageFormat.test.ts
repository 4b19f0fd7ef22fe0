import { strict as assert } from 'node:assert';
import { UsageLedger } from '../../../src/core/llm/accounting';
import { usageMarkdown, usageText } from '../../../src/extension/models/usageFormat';

describe('model usage in the status bar', () => {
  it('shows tokens in and out and the cost when every call was priced', () => {
    const ledger = new UsageLedger();
    ledger.recordAnswered('gpt', 'gpt-4o-mini', { promptTokens: 1234, completionTokens: 340, totalTokens: 1574 }, 0.0123);
    ledger.recordCached('gpt', 'gpt-4o-mini');
    assert.equal(usageText(ledger.summary()), '$(pulse) 1.2k in · 340 out · $0.0123');
  });

  it('never shows an incomplete cost as the total', () => {
    const ledger = new UsageLedger();
    ledger.recordAnswered('local', 'qwen', { promptTokens: 10, completionTokens: 5, totalTokens: 15 }, undefined);
    assert.equal(usageText(ledger.summary()), '$(pulse) 10 in · 5 out · cost unknown');
    ledger.recordAnswered('gpt', 'gpt-4o-mini', { promptTokens: 2_500_000, completionTokens: 15_000, totalTokens: 2_515_000 }, 0.5);
    assert.equal(usageText(ledger.summary()), '$(pulse) 2.50M in · 15k out · ≥ $0.5000');
  });

  it('tabulates each profile and the total, with names escaped for Markdown', () => {
    const ledger = new UsageLedger();
    ledger.recordAnswered('a|b', 'm*1', { promptTokens: 3, completionTokens: 4, totalTokens: 7 }, 0.001);
    ledger.recordFailed('local', 'qwen');
    const lines = usageMarkdown(ledger.summary()).split('\n');
    assert.equal(lines.length, 7);
    assert.equal(lines[4], '| a\\|b | m\\*1 | 1 | 0 | 0 | 3 | 4 | $0\\.0010 |');
    assert.equal(lines[5], '| local | qwen | 1 | 0 | 1 | 0 | 0 | $0\\.0000 |');
    assert.match(lines[6] ?? '', /^\| total \| /);
  });
});
