import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AADSTS_TABLE, aadstsEntry, mapEntraError, parseEntraError } from '../src/errors/aadsts.js';
import { ERROR_CODES, MailbridgeError } from '../src/errors/index.js';

// Microsoft's own error bodies, kept in the shared protocol folder (see its SOURCES.md).
// shared/ sits beside the repository (here and in CI); MAILBRIDGE_SHARED_DIR points elsewhere.
const SAMPLES = join(process.env.MAILBRIDGE_SHARED_DIR ?? fileURLToPath(new URL('../../../../shared/', import.meta.url)), 'protocol/identity/samples');
const sampleFiles = readdirSync(SAMPLES).filter((file) => file.endsWith('.json'));
const sample = (file: string) => readFileSync(join(SAMPLES, file), 'utf8');

const TRACE = '3ce379e4-441f-4eae-9730-fc0220183001';
const CORRELATION = '54752956-bf4f-48f1-b808-6ecae2522f59';

/** A token-endpoint error body as Entra sends it. */
function body(aadsts: number, error: string, text: string): Record<string, unknown> {
  return {
    error,
    error_description: `AADSTS${aadsts}: ${text}\r\nTrace ID: ${TRACE}\r\nCorrelation ID: ${CORRELATION}\r\nTimestamp: 2026-11-24 00:00:00Z`,
    error_codes: [aadsts],
    timestamp: '2026-11-24 00:00:00Z',
    trace_id: TRACE,
    correlation_id: CORRELATION,
    error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
  };
}

// One constructed body per number the table must know, with the code it must map to and a
// fragment the hint must carry (what the admin does about it).
const REQUIRED: Array<[number, string, string, string]> = [
  [7000215, 'invalid_client', 'AUTH_INVALID_SECRET', 'Value'],
  [7000222, 'invalid_client', 'AUTH_SECRET_EXPIRED', 'Certificates & secrets > New client secret'],
  [700016, 'unauthorized_client', 'AUTH_APP_NOT_FOUND', 'multi-tenant'],
  [90002, 'invalid_tenant', 'AUTH_TENANT_NOT_FOUND', '"usgov"'],
  [65001, 'invalid_grant', 'AUTH_CONSENT_REQUIRED', 'Grant admin consent'],
  [50194, 'invalid_request', 'AUTH_TENANT_REQUIRED', 'multi-tenant'],
  [500011, 'invalid_resource', 'AUTH_USER_NOT_IN_TENANT', '"cloud"'],
  [700027, 'invalid_client', 'AUTH_INVALID_ASSERTION', 'Thumbprint'],
  [9001023, 'invalid_request', 'AUTH_ACCOUNT_TYPE_MISMATCH', 'tenant id'],
  [9002331, 'invalid_request', 'AUTH_ACCOUNT_TYPE_MISMATCH', '"consumers"'],
  [900382, 'invalid_request', 'AUTH_INVALID_REQUEST', '"cloud"'],
  [900023, 'invalid_request', 'AUTH_TENANT_NOT_FOUND', 'Directory (tenant) ID'],
  [1002012, 'invalid_scope', 'AUTH_INVALID_SCOPE', '/.default'],
  [53003, 'access_denied', 'AUTH_CONDITIONAL_ACCESS', 'Sign-in logs'],
  [700024, 'invalid_client', 'AUTH_INVALID_ASSERTION', 'clock'],
  [70011, 'invalid_scope', 'AUTH_INVALID_SCOPE', '"cloud"'],
  [50079, 'interaction_required', 'AUTH_INTERACTION_REQUIRED', 'mailbridge login'],
  [50076, 'interaction_required', 'AUTH_INTERACTION_REQUIRED', 'mailbridge login'],
];

describe('AADSTS_TABLE', () => {
  it('covers every required number once, each mapped to a known code with a message and a hint', () => {
    const numbers = AADSTS_TABLE.map((entry) => entry.aadsts);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const [aadsts] of REQUIRED) expect(numbers).toContain(aadsts);
    for (const entry of AADSTS_TABLE) {
      expect(ERROR_CODES).toHaveProperty(entry.code);
      expect(entry.message.length).toBeGreaterThan(15);
      expect(entry.hint.length).toBeGreaterThan(30);
      expect(entry.message).not.toMatch(/\.$/); // the mapper adds the number and the full stop
    }
    expect(aadstsEntry(7000215)?.code).toBe('AUTH_INVALID_SECRET');
    expect(aadstsEntry(1)).toBeUndefined();
    // AADSTS50194 comes back for "organizations" as much as for "common": the message names both.
    expect(aadstsEntry(50194)?.message).toMatch(/"common" or "organizations"/);
  });
});

describe("mapEntraError on Microsoft's sample bodies", () => {
  it('has samples to run on', () => {
    expect(sampleFiles.length).toBeGreaterThanOrEqual(7);
  });

  it.each(sampleFiles)('%s', (file) => {
    const text = sample(file);
    const json = JSON.parse(text) as { error: string; error_codes: number[]; trace_id: string; correlation_id: string };
    const expectedNumber = json.error_codes[0]!;
    for (const input of [json, text]) {
      const error = mapEntraError(input, { status: 400 });
      expect(MailbridgeError.isInstance(error)).toBe(true);
      expect(error.details.aadsts).toBe(expectedNumber);
      expect(error.details.traceId).toBe(json.trace_id);
      expect(error.details.correlationId).toBe(json.correlation_id);
      expect(error.details.serviceCode).toBe(json.error);
      expect(error.details.status).toBe(400);
      expect(error.code).toBe(aadstsEntry(expectedNumber)!.code);
      expect(error.message).toContain(`AADSTS${expectedNumber}`);
      expect(error.toJSON()).toMatchObject({ aadsts: expectedNumber, traceId: json.trace_id, correlationId: json.correlation_id });
    }
  });

  it('maps the observed bodies to the expected codes', () => {
    expect(mapEntraError(sample('observed.invalid_client-7000215.json')).code).toBe('AUTH_INVALID_SECRET');
    expect(mapEntraError(sample('observed.invalid_client-7000222.json')).code).toBe('AUTH_SECRET_EXPIRED');
    expect(mapEntraError(sample('observed.invalid_tenant-90002.json')).code).toBe('AUTH_TENANT_NOT_FOUND');
    expect(mapEntraError(sample('observed.invalid_request-90002-2020.json')).code).toBe('AUTH_TENANT_NOT_FOUND');
    expect(mapEntraError(sample('docs.on-behalf-of.interaction_required-50079.json')).code).toBe('AUTH_INTERACTION_REQUIRED');
    expect(mapEntraError(sample('docs.client-credentials.invalid_scope-70011.json')).code).toBe('AUTH_INVALID_SCOPE');
  });
});

describe('mapEntraError on constructed bodies', () => {
  it.each(REQUIRED)('AADSTS%i (%s) → %s', (aadsts, error, code, hintFragment) => {
    const mapped = mapEntraError(body(aadsts, error, 'Some description. More text.'), { status: 401 });
    expect(mapped.code).toBe(code);
    expect(mapped.hint).toContain(hintFragment);
    expect(mapped.message).toMatch(new RegExp(`\\(AADSTS${aadsts}\\)\\.$`));
    expect(mapped.details).toMatchObject({ aadsts, traceId: TRACE, correlationId: CORRELATION, status: 401, serviceCode: error });
  });

  it('AADSTS7000215 with a GUID-shaped configured secret says it is the secret ID', () => {
    const plain = mapEntraError(body(7000215, 'invalid_client', 'Invalid client secret provided.'));
    const guid = mapEntraError(body(7000215, 'invalid_client', 'Invalid client secret provided.'), { configuredSecretLooksLikeId: true });
    expect(plain.message).not.toContain('secret ID');
    expect(guid.message).toBe('Entra ID rejected the client secret: the configured secret looks like the secret ID, not its Value (AADSTS7000215).');
    expect(guid.hint).toContain('Copy the Value column, not the Secret ID');
    expect(guid.hint).toContain('shows the Value only once');
  });

  it('AADSTS7000222 quotes the configured expiry and says how to create a new secret', () => {
    const error = mapEntraError(body(7000222, 'invalid_client', 'The provided client secret keys are expired.'), { secretExpiresAt: '2026-11-01' });
    expect(error.message).toBe('The client secret has expired (auth.secretExpiresAt: 2026-11-01) (AADSTS7000222).');
    expect(error.hint).toContain('Entra admin center > App registrations > your app > Certificates & secrets > New client secret');
    expect(error.hint).toContain('secretExpiresAt');
  });

  it('an unknown number gives AUTH_FAILED with the number and the first sentence', () => {
    const error = mapEntraError(body(50058, 'invalid_grant', "A silent sign-in request was sent but no user is signed in. The cookies used to represent the user's session weren't sent."));
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toBe('Entra ID refused the token request with AADSTS50058: A silent sign-in request was sent but no user is signed in.');
    expect(error.hint).toContain('https://login.microsoftonline.com/error?code=50058');
    expect(error.details).toMatchObject({ aadsts: 50058, traceId: TRACE, correlationId: CORRELATION });
  });

  it('finds the number and ids in the description when error_codes and the id fields are missing', () => {
    const only = { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided.\r\nTrace ID: ${TRACE}\r\nCorrelation ID: ${CORRELATION}\r\nTimestamp: x` };
    const error = mapEntraError(only);
    expect(error.code).toBe('AUTH_INVALID_SECRET');
    expect(error.details).toMatchObject({ aadsts: 7000215, traceId: TRACE, correlationId: CORRELATION });
    expect(parseEntraError(`AADSTS90002: Tenant 'x' not found.`)).toMatchObject({ aadsts: 90002, description: "AADSTS90002: Tenant 'x' not found." });
  });

  it("reads msal-node's ServerError shape (errorCode, errorMessage, errorNo, correlationId)", () => {
    const error = mapEntraError({
      errorCode: 'invalid_client',
      errorMessage: `AADSTS7000222: The provided client secret keys for app '1' are expired. Trace ID: ${TRACE} Correlation ID: ${CORRELATION} Timestamp: 2026-11-24`,
      errorNo: '7000222',
      correlationId: CORRELATION,
    });
    expect(error.code).toBe('AUTH_SECRET_EXPIRED');
    expect(error.details).toMatchObject({ aadsts: 7000222, correlationId: CORRELATION, traceId: TRACE, serviceCode: 'invalid_client' });
  });

  it('maps device-code errors without a number by their OAuth error', () => {
    expect(mapEntraError({ error: 'authorization_declined', error_description: 'The user declined.' }).code).toBe('AUTH_DECLINED');
    expect(mapEntraError({ error: 'expired_token', error_description: 'The code expired.' }).code).toBe('AUTH_DEVICE_CODE_EXPIRED');
  });

  it('anything unreadable is AUTH_FAILED, never a crash', () => {
    for (const junk of [undefined, null, 42, '', '<html>Bad gateway</html>', [], {}, { error: 5 }]) {
      const error = mapEntraError(junk, { status: 502 });
      expect(error.code).toBe('AUTH_FAILED');
      expect(error.hint.length).toBeGreaterThan(20);
    }
    expect(mapEntraError('<html/>', { status: 502 }).message).toBe('Entra ID refused the token request (HTTP 502) without a readable error.');
  });

  it('keeps the cause when given', () => {
    const cause = new Error('from msal');
    expect(mapEntraError(body(65001, 'invalid_grant', 'x.'), { cause }).cause).toBe(cause);
  });
});
