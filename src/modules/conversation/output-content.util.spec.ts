import { describe, expect, it } from 'vitest';
import { contentFromWebhookBody } from './output-content.util.js';

describe('contentFromWebhookBody', () => {
  it('reads AIOutput of the contract body, an empty data object as null', () => {
    expect(contentFromWebhookBody(JSON.stringify({ AIOutput: { text: 'hi', data: {} } }))).toEqual({
      text: 'hi',
      data: null,
    });
    expect(contentFromWebhookBody(JSON.stringify({ AIOutput: { text: null, data: { a: 1 } } }))).toEqual({
      text: null,
      data: { a: 1 },
    });
  });

  it('keeps a transformer-shaped body as data, and gives up on anything else', () => {
    expect(contentFromWebhookBody('{"message":"hi"}')).toEqual({ text: null, data: { message: 'hi' } });
    expect(contentFromWebhookBody('[1]')).toEqual({ text: null, data: null });
    expect(contentFromWebhookBody('not json')).toEqual({ text: null, data: null });
  });
});
