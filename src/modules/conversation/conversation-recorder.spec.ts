import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_PROTECTION } from '../endpoint-config/endpoint-settings.js';
import { analyticsEvents, transcriptEntries } from './conversation-recorder.js';
import type { ConversationTurn } from './conversation-records.js';

const key = { endpointId: 'e1', userId: 'u1', sessionId: 's1' };

function turn(kind: ConversationTurn['message']['kind']): ConversationTurn {
  return {
    key,
    message: { id: 'm1', kind, text: 'hi', data: { k: 'v' }, clientIp: '198.51.100.23' },
    intent: kind === 'notify' ? null : { name: 'greet', score: 0.9 },
    outputs: [
      { id: 'o1', sequence: 3, inputId: kind === 'notify' ? null : 'm1', content: { text: 'Hello', data: null } },
      { id: 'o2', sequence: 4, inputId: kind === 'notify' ? null : 'm1', content: { text: null, data: { x: 1 } } },
    ],
  };
}

describe('conversation records', () => {
  it('records an input with its intent and client IP, then its outputs in order', () => {
    expect(transcriptEntries(turn('message'), DEFAULT_DATA_PROTECTION)).toEqual([
      expect.objectContaining({
        id: 'm1',
        direction: 'input',
        source: 'user',
        intent: 'greet',
        clientIp: '198.51.100.23',
      }),
      expect.objectContaining({
        id: 'o1',
        direction: 'output',
        source: 'bot',
        inputId: 'm1',
        sequence: 3,
        text: 'Hello',
      }),
      expect.objectContaining({ id: 'o2', direction: 'output', source: 'bot', sequence: 4, data: { x: 1 } }),
    ]);
    // One analytics event for the message: its input, counting the outputs (whose content is the transcript's).
    expect(analyticsEvents(turn('inject'), DEFAULT_DATA_PROTECTION)).toEqual([
      {
        kind: 'input',
        source: 'inject',
        messageId: 'm1',
        intent: 'greet',
        intentScore: 0.9,
        text: 'hi',
        data: { k: 'v' },
        clientIp: '198.51.100.23',
        outputCount: 2,
      },
    ]);
  });

  it('records only the outputs of a notify', () => {
    const entries = transcriptEntries(turn('notify'), DEFAULT_DATA_PROTECTION);
    expect(entries.map((entry) => [entry.direction, entry.source, entry.inputId])).toEqual([
      ['output', 'notify', null],
      ['output', 'notify', null],
    ]);
    expect(analyticsEvents(turn('notify'), DEFAULT_DATA_PROTECTION)).toEqual([
      expect.objectContaining({ kind: 'output', source: 'notify', messageId: 'o1', outputCount: 2 }),
    ]);
    expect(analyticsEvents({ ...turn('notify'), outputs: [] }, DEFAULT_DATA_PROTECTION)).toEqual([]);
  });

  it('masks the IP with maskIPAddress and drops text and data from analytics with maskAnalytics', () => {
    const settings = { ...DEFAULT_DATA_PROTECTION, maskIPAddress: true, maskAnalytics: true };
    expect(transcriptEntries(turn('message'), settings)[0]).toMatchObject({ clientIp: '198.51.100.0', text: 'hi' });
    const events = analyticsEvents(turn('message'), settings);
    expect(events.map((event) => [event.text, event.data, event.clientIp, event.intent])).toEqual([
      [null, null, '198.51.100.0', 'greet'],
    ]);
  });
});
