import { describe, expect, it } from 'vitest';
import type { PendingMessage } from './inbox.repository.js';
import { UnreadKicks } from './unread-kicks.js';

const message = (id: string): PendingMessage => ({
  id,
  kind: 'message',
  text: id,
  data: null,
  traceId: `trace-${id}`,
  receivedAt: new Date(),
  clientIp: null,
});

describe('UnreadKicks', () => {
  it('has nothing unread for a session it never heard of', () => {
    expect(new UnreadKicks().hasUnread('s')).toBe(false);
  });

  it('keeps a kick unread until its message is taken or the inbox is read', () => {
    const kicks = new UnreadKicks();
    expect(kicks.add('s', 'm1')).toBe(true);
    expect(kicks.hasUnread('s')).toBe(true);
    kicks.took('s', ['m1']);
    expect(kicks.hasUnread('s')).toBe(false);

    kicks.add('s', 'm2');
    kicks.reading('s');
    expect(kicks.hasUnread('s')).toBe(false);
  });

  it('drops the kick of a message taken before the kick came (a commit already handed it over)', () => {
    const kicks = new UnreadKicks();
    kicks.took('s', ['m1', 'm2']);
    expect(kicks.add('s', 'm1')).toBe(false);
    expect(kicks.hasUnread('s')).toBe(false);
    // Only once: a second kick for the same id is news again.
    expect(kicks.add('s', 'm1')).toBe(true);
    expect(kicks.hasUnread('s')).toBe(true);
  });

  it('treats a kick without a message id as unread until the next read', () => {
    const kicks = new UnreadKicks();
    kicks.took('s', ['m1']);
    expect(kicks.add('s')).toBe(true);
    kicks.took('s', ['m2']);
    expect(kicks.hasUnread('s')).toBe(true);
    kicks.reading('s');
    expect(kicks.hasUnread('s')).toBe(false);
  });

  it('keeps sessions apart and forgets a session whose loop ended', () => {
    const kicks = new UnreadKicks();
    kicks.took('a', ['m1']);
    kicks.add('b', 'm1');
    expect(kicks.hasUnread('a')).toBe(false);
    expect(kicks.hasUnread('b')).toBe(true);
    kicks.forget('a');
    expect(kicks.add('a', 'm1')).toBe(true);
  });

  it('hands over a message that came alone only while it is the one unread kick', () => {
    const kicks = new UnreadKicks();
    kicks.add('s', 'm1', message('m1'));
    expect(kicks.alone('s')?.id).toBe('m1');
    kicks.add('s', 'm2', message('m2'));
    expect(kicks.alone('s')).toBeNull(); // two unread: only a read orders them
    kicks.reading('s');
    kicks.add('s', 'm3');
    expect(kicks.alone('s')).toBeNull(); // not alone when accepted
    kicks.reading('s');
    kicks.add('s', 'm4', message('m4'));
    kicks.add('s');
    expect(kicks.alone('s')).toBeNull(); // a kick without id may be about anything
  });
});
