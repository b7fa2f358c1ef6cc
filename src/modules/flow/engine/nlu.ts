import { distance } from 'fastest-levenshtein';

/** Example sentences of an intent, normalised and tokenised once when the flow is compiled. */
export interface CompiledIntent {
  readonly name: string;
  readonly examples: readonly (readonly string[])[];
}

export interface NluResult {
  intent: string | null;
  /** The winning score in [0, 1]; null when no intent reached the threshold. */
  intentScore: number | null;
}

/** Tokens shorter than this must match exactly: one edit turns "no" into "so". */
const MIN_FUZZY_TOKEN_LENGTH = 4;
/** 1 - editDistance / length at or above which two tokens count as (partly) the same word. */
const MIN_TOKEN_SIMILARITY = 0.75;

const FORCED_INTENT = /^cIntent:\s*(\S.*)$/i;

export function normaliseText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function tokenise(text: string): string[] {
  const normalised = normaliseText(text);
  return normalised === '' ? [] : normalised.split(' ');
}

export function compileIntents(intents: readonly { name: string; examples: readonly string[] }[]): CompiledIntent[] {
  return intents.map((intent) => ({
    name: intent.name,
    examples: intent.examples.map(tokenise).filter((tokens) => tokens.length > 0),
  }));
}

export function tokenSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < MIN_FUZZY_TOKEN_LENGTH || b.length < MIN_FUZZY_TOKEN_LENGTH) return 0;
  const similarity = 1 - distance(a, b) / Math.max(a.length, b.length);
  return similarity >= MIN_TOKEN_SIMILARITY ? similarity : 0;
}

/**
 * Soft Dice coefficient: each input token is paired with its most similar unused example token
 * (exact or fuzzy), and the summed similarity is weighed against both sentence lengths, so extra
 * words on either side lower the score.
 */
export function scoreSentence(input: readonly string[], example: readonly string[]): number {
  if (input.length === 0 || example.length === 0) return 0;
  const used = new Array<boolean>(example.length).fill(false);
  let matched = 0;
  for (const token of input) {
    let best = 0;
    let bestIndex = -1;
    for (let i = 0; i < example.length; i++) {
      if (used[i]) continue;
      const similarity = tokenSimilarity(token, example[i]);
      if (similarity > best) {
        best = similarity;
        bestIndex = i;
      }
    }
    if (bestIndex >= 0) {
      used[bestIndex] = true;
      matched += best;
    }
  }
  return (2 * matched) / (input.length + example.length);
}

/**
 * Finds the best intent for a text. `cIntent:<name>` forces that intent with score 1 (the Cognigy
 * convention for buttons and tests). Ties go to the intent declared first, so results are stable.
 */
export function recogniseIntent(text: string | null, intents: readonly CompiledIntent[], threshold: number): NluResult {
  if (text === null) return { intent: null, intentScore: null };
  const forced = FORCED_INTENT.exec(text.trim());
  if (forced) return { intent: forced[1].trim(), intentScore: 1 };
  const tokens = tokenise(text);
  let best: NluResult = { intent: null, intentScore: null };
  let bestScore = 0;
  for (const intent of intents) {
    for (const example of intent.examples) {
      const score = scoreSentence(tokens, example);
      if (score > bestScore) {
        bestScore = score;
        best = { intent: intent.name, intentScore: score };
      }
    }
  }
  return bestScore > 0 && bestScore >= threshold ? best : { intent: null, intentScore: null };
}
