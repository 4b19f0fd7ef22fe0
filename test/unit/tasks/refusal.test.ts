import * as assert from 'node:assert/strict';
import { detectRefusal } from '../../../src/core/tasks/refusal';
import { foldForDuplicates, jaccard, shingles } from '../../../src/core/tasks/nearDuplicates';

describe('tasks: refusal detection', () => {
  const refusals = [
    "I can't help with that.",
    "I'm sorry, but I cannot provide instructions for making weapons.",
    'I’m sorry, but I can’t assist with that request.',
    'As an AI language model, I cannot browse the internet or give real-time prices.',
    'As an AI, I do not feel comfortable writing that.',
    "Sorry, I can't do that.",
    'I apologize, but I am unable to comply with this request.',
    'I must respectfully decline to write this story.',
    "Unfortunately, I won't be able to help you with this.",
    'I CANNOT ASSIST WITH THIS.',
    "That's a question about hacking accounts. I'm not able to help with it.",
  ];
  for (const text of refusals) {
    it(`is a refusal: ${JSON.stringify(text)}`, () => {
      assert.notEqual(detectRefusal(text), undefined);
    });
  }

  const answers = [
    "I can't stress enough how important it is to back up your data: keep three copies, on two media, one off site.",
    'I cannot recommend this library highly enough; here is how to install it: run npm install left-pad.',
    "I'm sorry to hear about your cat. Cats often hide when they are unwell; a vet visit is the safest next step.",
    "Sorry for the wait! Here's the recipe: mix flour, water and salt, knead for ten minutes and let it rise.",
    'The function returns early, so the loop never runs. Move the return after the loop and it will work.',
    '',
    // Long, helpful, and mentions a refusal phrase only deep inside (not its gist, not its start).
    `To set up the router, open its admin page at 192.168.0.1 and sign in with the password on its label. ${'Then choose a channel with little interference, set WPA3 and save. '.repeat(5)}If the page says "I can't help with that", the firmware is outdated: update it first.`,
  ];
  for (const text of answers) {
    it(`is not a refusal: ${JSON.stringify(text.slice(0, 60))}`, () => {
      assert.equal(detectRefusal(text), undefined);
    });
  }
});

describe('tasks: duplicate measures', () => {
  it('folds whitespace and case for exact duplicates', () => {
    assert.equal(foldForDuplicates('  Hello\n\tWORLD  '), foldForDuplicates('hello world'));
    assert.notEqual(foldForDuplicates('hello world'), foldForDuplicates('hello, world'));
  });

  it('Jaccard of word 3-gram shingles, by hand', () => {
    // a b c d e → {abc, bcd, cde}; a b c d f → {abc, bcd, cdf}: 2 common of 4 → 0.5.
    assert.equal(jaccard(shingles('a b c d e'), shingles('a b c d f')), 0.5);
    assert.equal(jaccard(shingles('One, two; three!'), shingles('one two three')), 1);
    assert.equal(jaccard(shingles('alpha beta'), shingles('gamma delta')), 0);
    assert.deepEqual([...shingles('short text')], ['short text'], 'fewer words than the shingle width: one shingle');
  });
});
