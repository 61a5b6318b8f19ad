import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRedactor, defaultRedactor, REDACTED, redact } from '../src/redact/index.js';

// A JWT-shaped token (header {"alg":"RS256","typ":"JWT"}); its signature is made up.
const JWT = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJyb2xlcyI6WyJNYWlsLlNlbmQiXX0.c2lnbmF0dXJlLXRoYXQtaXMtbm90LXJlYWw';

describe('redact', () => {
  it.each([
    ['a bearer token', `Authorization: Bearer ${JWT}`, [JWT, 'Bearer eyJ']],
    ['a bare JWT in prose', `token was ${JWT}, expired`, [JWT]],
    ['an opaque bearer token', 'sent header "Bearer abc.def-ghi_123~" twice', ['abc.def-ghi_123~']],
    ['a form body', 'grant_type=client_credentials&client_id=x&client_secret=s3cr3t~Value.&scope=y', ['s3cr3t~Value.']],
    ['a password parameter', 'login?user=a&password=hunter22&x=1', ['hunter22']],
    ['a client assertion', `client_assertion_type=jwt-bearer&client_assertion=abc.def.ghi`, ['abc.def.ghi']],
    ['a refresh token in JSON', '{"token_type":"Bearer","refresh_token":"0.AXoAsecret-refresh_value","expires_in":3599}', ['0.AXoAsecret-refresh_value']],
    ['an Entra refresh token alone', `rt: 1.AVEA${'x'.repeat(60)}`, ['x'.repeat(60)]],
    ['a Microsoft account refresh token', 'refresh M.C552_BAY.0.U.-CiF8Qx!Zp3bqN*kLmd$wxyz0123456789abcd end', ['CiF8Qx!Zp3bqN']],
    ['a cookie header', 'Cookie: session=abcdef; other=123', ['abcdef', 'other=123']],
    ['a Basic credential', 'Proxy-Authorization: Basic dXNlcjpwYXNz', ['dXNlcjpwYXNz']],
    ['URL credentials', 'proxy http://alice:pa55word@proxy.corp:8080 failed', ['pa55word', 'alice:']],
    ['a SOAP password', '<t:Password>p@ssw0rd!</t:Password>', ['p@ssw0rd!']],
  ])('removes %s', (_name, text, secrets) => {
    const out = redact(text);
    for (const secret of secrets) expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('leaves ordinary text alone', () => {
    const text = 'Sent 3 messages to alerts@contoso.com via https://graph.microsoft.com/v1.0/users/x/sendMail (HTTP 202, 120 ms). Bearer tokens are cached.';
    expect(redact(text)).toBe(text);
  });

  it('removes registered secrets wherever they appear, also URL- and JSON-encoded', () => {
    const redactor = createRedactor();
    const secret = 'Xy8Q~a/b"c+d=e f';
    redactor.addSecret(secret);
    const text = `raw ${secret} url ${encodeURIComponent(secret)} json ${JSON.stringify({ v: secret })}`;
    const out = redactor.redact(text);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(encodeURIComponent(secret));
    expect(out).not.toContain(JSON.stringify(secret).slice(1, -1));
    // Registration is per redactor.
    expect(createRedactor().redact(secret)).toBe(secret);
  });

  it('ignores secrets too short to be replaced safely', () => {
    const redactor = createRedactor({ secrets: ['abc', '', 'abcd'] });
    expect(redactor.redact('abc abcd')).toBe(`abc ${REDACTED}`);
  });
});

describe('redactValue', () => {
  it('copies deeply, redacting strings and values under secret keys, and survives cycles', () => {
    const redactor = createRedactor({ secrets: ['canary-secret-value'] });
    const input: Record<string, unknown> = {
      headers: { Authorization: 'anything at all', 'content-type': 'application/json' },
      auth: { clientSecret: 'plain', client_secret: 'plain2', password: 'pw', tenant: 'contoso' },
      list: ['ok', `Bearer ${JWT}`, { nested: 'canary-secret-value' }],
      when: new Date('2026-01-01T00:00:00Z'),
      bytes: new Uint8Array(10),
      map: new Map<string, unknown>([
        ['token', 'abc'],
        ['n', 1],
      ]),
    };
    input.self = input;
    const out = redactor.redactValue(input) as Record<string, unknown>;
    const text = JSON.stringify(out);
    for (const leaked of ['anything at all', 'plain', 'pw"', JWT, 'canary-secret-value', '"abc"']) expect(text).not.toContain(leaked);
    expect(out.self).toBe('[Circular]');
    expect((out.auth as Record<string, unknown>).tenant).toBe('contoso');
    expect(out.when).toBe('2026-01-01T00:00:00.000Z');
    expect(out.bytes).toBe('[Binary 10 bytes]');
    expect((out.headers as Record<string, unknown>)['content-type']).toBe('application/json');
    // The input is untouched.
    expect((input.auth as Record<string, unknown>).password).toBe('pw');
  });

  it('turns errors into plain objects with their cause chain redacted', () => {
    const cause = new Error(`invalid_client: client_secret=abc123secret`);
    const error = Object.assign(new Error(`failed with Bearer ${JWT}`, { cause }), { code: 'X', accessToken: 'zzz' });
    const out = defaultRedactor.redactValue({ error });
    const text = JSON.stringify(out) + inspect(out, { depth: 10 });
    expect(text).not.toContain(JWT);
    expect(text).not.toContain('abc123secret');
    expect(text).not.toContain('zzz');
    expect(text).toContain('"code":"X"');
  });

  it('is bounded in depth', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 100; i += 1) deep = { next: deep };
    expect(JSON.stringify(createRedactor().redactValue(deep))).toContain('[Truncated]');
  });
});
