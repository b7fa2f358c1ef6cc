import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateSigningSecret, signWebhook, webhookHeaders } from './signer.js';

describe('generateSigningSecret', () => {
  it('is whsec_ plus base64 of 32 random bytes', () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(generateSigningSecret()).not.toBe(secret);
  });
});

describe('signWebhook', () => {
  it('matches the Standard Webhooks reference vector', () => {
    const signature = signWebhook(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs the body exactly, including non-ASCII text and whitespace', () => {
    const secret = generateSigningSecret();
    const body = ' {"text":"grüße 👋"}\n';
    const signature = signWebhook(secret, 'id-1', 1700000000, body);
    expect(signature).toBe(new Webhook(secret).sign('id-1', new Date(1700000000 * 1000), body));
    expect(signWebhook(secret, 'id-1', 1700000000, body.trim())).not.toBe(signature);
  });

  it.each(['whsec_not base64!', 'whsec_', 'whsec_abc$'])('refuses the malformed secret %j', (secret) => {
    expect(() => signWebhook(secret, 'id', 1, '{}')).toThrow(TypeError);
  });
});

describe('webhookHeaders', () => {
  it('produces headers that the standardwebhooks package verifies', () => {
    const secret = generateSigningSecret();
    const body = JSON.stringify({ userId: 'u1', AIOutput: { text: 'hi' } });
    const headers = webhookHeaders(secret, '5f0c2a8e-7d44-4d55-9c7e-2f1f3f1a9b10', body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('uses unix seconds of the given time', () => {
    const headers = webhookHeaders(generateSigningSecret(), 'id-2', '{}', new Date('2026-01-02T03:04:05.678Z'));
    expect(headers['webhook-id']).toBe('id-2');
    expect(headers['webhook-timestamp']).toBe(String(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000));
  });

  it('fails verification for a tampered body or another secret', () => {
    const secret = generateSigningSecret();
    const headers = webhookHeaders(secret, 'id-3', '{"a":1}');
    expect(() => new Webhook(secret).verify('{"a":2}', { ...headers })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(generateSigningSecret()).verify('{"a":1}', { ...headers })).toThrow(
      WebhookVerificationError,
    );
  });
});
