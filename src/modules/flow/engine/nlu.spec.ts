import { describe, expect, it } from 'vitest';
import { compileIntents, normaliseText, recogniseIntent, scoreSentence, tokenise, tokenSimilarity } from './nlu.js';

const intents = compileIntents([
  { name: 'greet', examples: ['hi', 'hello there', 'good morning'] },
  { name: 'order', examples: ['I want to order a pizza', 'order food'] },
  { name: 'goodbye', examples: ['bye', 'see you later'] },
]);

describe('normaliseText / tokenise', () => {
  it('lowercases, strips punctuation and diacritics, and drops apostrophes', () => {
    expect(normaliseText('  Héllo, THERE!!  ')).toBe('hello there');
    expect(tokenise("What's   up? Çà va")).toEqual(['whats', 'up', 'ca', 'va']);
    expect(tokenise('?!')).toEqual([]);
  });
});

describe('token and sentence scores', () => {
  it('matches short tokens exactly and long tokens fuzzily', () => {
    expect(tokenSimilarity('hi', 'hi')).toBe(1);
    expect(tokenSimilarity('no', 'so')).toBe(0);
    expect(tokenSimilarity('helo', 'hello')).toBeCloseTo(0.8);
    expect(tokenSimilarity('pizza', 'pasta')).toBe(0);
  });

  it('scores in [0, 1], 1 for the same words and lower for extra words', () => {
    expect(scoreSentence(['hello', 'there'], ['hello', 'there'])).toBe(1);
    expect(scoreSentence(['hi', 'there'], ['hi'])).toBeCloseTo(2 / 3);
    expect(scoreSentence(['weather'], ['hi'])).toBe(0);
    expect(scoreSentence([], ['hi'])).toBe(0);
  });
});

describe('recogniseIntent', () => {
  it.each([
    ['hello there!', 'greet'],
    ['Hi', 'greet'],
    ['HELLO', 'greet'],
    ['helo there', 'greet'],
    ["I'd like to order a pizza please", 'order'],
    ['ok bye', 'goodbye'],
  ])('%s → %s', (text, intent) => {
    expect(recogniseIntent(text, intents, 0.4).intent).toBe(intent);
  });

  it('returns null intent and score for unrelated text, empty text and null text', () => {
    expect(recogniseIntent('what is the capital of france', intents, 0.4)).toEqual({ intent: null, intentScore: null });
    expect(recogniseIntent('', intents, 0.4)).toEqual({ intent: null, intentScore: null });
    expect(recogniseIntent(null, intents, 0.4)).toEqual({ intent: null, intentScore: null });
  });

  it('reports the winning score and honours the threshold', () => {
    expect(recogniseIntent('hello there', intents, 0.4)).toEqual({ intent: 'greet', intentScore: 1 });
    const partial = recogniseIntent('hi there friend', intents, 0.4);
    expect(partial.intent).toBe('greet');
    expect(partial.intentScore).toBeCloseTo(0.5); // "hi" matches 1 of 3 words: 2 * 1 / (3 + 1)
    expect(recogniseIntent('hi there friend', intents, 0.6).intent).toBeNull();
  });

  it('forces an intent with cIntent:<name> and score 1', () => {
    expect(recogniseIntent('cIntent:order', intents, 0.4)).toEqual({ intent: 'order', intentScore: 1 });
    expect(recogniseIntent('  cintent: goodbye ', intents, 0.4)).toEqual({ intent: 'goodbye', intentScore: 1 });
  });

  it('is deterministic: ties go to the intent declared first', () => {
    const tied = compileIntents([
      { name: 'first', examples: ['same words'] },
      { name: 'second', examples: ['same words'] },
    ]);
    for (let i = 0; i < 5; i++) expect(recogniseIntent('same words', tied, 0.4).intent).toBe('first');
  });
});
