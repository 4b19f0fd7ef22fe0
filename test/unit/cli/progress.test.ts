import { strict as assert } from 'node:assert';
import { createProgress, formatAmount, formatDuration } from '../../../src/cli/progress';
import { CapturedStream } from './fakeIo';

describe('CLI progress', () => {
  it('redraws one line in place on a terminal, at most ten times a second', () => {
    const stream = new CapturedStream(true, 80);
    let now = 0;
    const progress = createProgress(stream, { label: 'data.jsonl', total: 900, unit: 'bytes', now: () => now });
    for (let done = 1; done <= 900; done++) {
      now = done; // 1 ms per step: 0.9 s in all
      progress.update(done);
    }
    progress.finish();
    const draws = stream.text.split('\r\x1b[2K').filter(Boolean);
    assert.ok(draws.length >= 9 && draws.length <= 11, `${draws.length} draws`);
    assert.ok(!stream.text.slice(0, -1).includes('\n'), 'only the final draw ends the line');
    assert.match(draws.at(-1) ?? '', /^\[#{20}\] data\.jsonl {2}100% {2}900 B\/900 B/);
  });

  it('prints plain lines at each quarter when not on a terminal', () => {
    const stream = new CapturedStream(false);
    let now = 0;
    const progress = createProgress(stream, { label: 'rows', total: 100, unit: 'items', now: () => now });
    for (let done = 1; done <= 100; done++) {
      now += 10;
      progress.update(done);
    }
    progress.finish();
    const lines = stream.text.trimEnd().split('\n');
    assert.deepEqual(lines.map((line) => line.split('  ')[1]), ['25%', '50%', '75%', '100%']);
    assert.ok(!stream.text.includes('\r') && !stream.text.includes('\x1b'), 'no terminal control codes in logs');
  });

  it('formats amounts and durations for people', () => {
    assert.equal(formatAmount(1_500_000, 'bytes'), '1.5 MB');
    assert.equal(formatAmount(999, 'bytes'), '999 B');
    assert.equal(formatAmount(42, 'items'), '42');
    assert.equal(formatDuration(12.3), '13s');
    assert.equal(formatDuration(61), '1m01s');
    assert.equal(formatDuration(3 * 3600 + 120), '3h02m');
  });
});
