import type { QuestionType } from './flow-definition.types.js';
import { normaliseText } from './nlu.js';

export type ParsedAnswer =
  { readonly valid: true; readonly value: string | number | boolean } | { readonly valid: false };

const INVALID: ParsedAnswer = { valid: false };

const YES_WORDS: ReadonlySet<string> = new Set(
  'yes|y|yeah|yea|yep|yup|ya|sure|ok|okay|true|correct|right|affirmative|absolutely|definitely|of course'.split('|'),
);
const NO_WORDS: ReadonlySet<string> = new Set(
  'no|n|nope|nah|false|incorrect|wrong|negative|never|not really|no way'.split('|'),
);

function parseYesNo(text: string): ParsedAnswer {
  const normalised = normaliseText(text);
  // The whole phrase first ("of course"), then its first word ("yes please", "no thanks").
  for (const candidate of [normalised, normalised.split(' ')[0]]) {
    if (YES_WORDS.has(candidate)) return { valid: true, value: true };
    if (NO_WORDS.has(candidate)) return { valid: true, value: false };
  }
  return INVALID;
}

function parseNumber(text: string): ParsedAnswer {
  // "1,000" is a thousands separator; a remaining "3,5" is a decimal comma.
  const cleaned = text.replace(/(\d),(?=\d{3}(?!\d))/g, '$1').replace(/(\d),(\d)/g, '$1.$2');
  const match = /[-+]?(?:\d+(?:\.\d+)?|\.\d+)/.exec(cleaned);
  if (!match) return INVALID;
  const value = Number(match[0]);
  return Number.isFinite(value) ? { valid: true, value } : INVALID;
}

const EMAIL = /[^\s@<>()[\]{},;:"']+@[^\s@<>()[\]{},;:"']+\.[a-z]{2,}/i;

function parseEmail(text: string): ParsedAnswer {
  const match = EMAIL.exec(text);
  return match ? { valid: true, value: match[0] } : INVALID;
}

/** Validates and converts the answer to a question; `pattern` is used by `regex` questions. */
export function parseAnswer(questionType: QuestionType, text: string | null, pattern: RegExp | null): ParsedAnswer {
  const answer = text?.trim() ?? '';
  if (answer === '') return INVALID;
  switch (questionType) {
    case 'text':
      return { valid: true, value: answer };
    case 'yesNo':
      return parseYesNo(answer);
    case 'number':
      return parseNumber(answer);
    case 'email':
      return parseEmail(answer);
    case 'regex':
      return pattern?.test(answer) ? { valid: true, value: answer } : INVALID;
  }
}
