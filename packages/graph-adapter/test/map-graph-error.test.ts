import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MailbridgeError } from '@mailbridge/core';
import { describe, expect, it } from 'vitest';
import { type GraphErrorContext, mapGraphError } from '../src/map-graph-error.js';

// shared/ sits beside the repository (as CI lays it out), wherever that is.
const SAMPLES = fileURLToPath(new URL('../../../../shared/protocol/graph/samples', import.meta.url));
const sample = (name: string): unknown => JSON.parse(readFileSync(`${SAMPLES}/${name}`, 'utf8'));
const context: GraphErrorContext = { operation: 'send', mailbox: 'alerts@contoso.com', clientId: '66666666-7777-8888-9999-000000000000', tokenKind: 'app-only' };

describe("mapGraphError on Microsoft's documented error bodies", () => {
  it.each([
    ['error-403-ErrorAccessDenied.json', 403, 'MAILBOX_ACCESS_DENIED'],
    ['error-404-ErrorItemNotFound.json', 404, 'ITEM_NOT_FOUND'],
    ['error-404-ResourceNotFound.json', 404, 'MAILBOX_NOT_FOUND'],
    ['error-429-ApplicationThrottled-MailboxConcurrency.json', 429, 'THROTTLED'],
    ['error-429-TooManyRequests.json', 429, 'THROTTLED'],
    ['error-MailboxNotEnabledForRESTAPI.json', 404, 'MAILBOX_NOT_ENABLED_FOR_REST'],
  ])('%s → %s', (file, status, code) => {
    const headers = new Headers({ 'request-id': 'req-1', 'client-request-id': 'client-1' });
    const error = mapGraphError(status, sample(file), headers, context);
    expect(MailbridgeError.isInstance(error)).toBe(true);
    expect(error.code).toBe(code);
    expect(error.hint.length).toBeGreaterThan(20);
    expect(error.details).toMatchObject({ status, requestId: 'req-1', clientRequestId: 'client-1' });
  });

  it('names the PowerShell checks for an access-policy denial', () => {
    const error = mapGraphError(403, sample('error-403-ErrorAccessDenied.json'), undefined, context);
    expect(error.hint).toContain('Test-ApplicationAccessPolicy -Identity alerts@contoso.com -AppId 66666666-7777-8888-9999-000000000000');
    expect(error.hint).toContain('Test-ServicePrincipalAuthorization');
  });

  it('tells a missing permission from a scope denial, and names Mail.ReadWrite for large attachments', () => {
    const body = { error: { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' } };
    expect(mapGraphError(403, body, undefined, context).code).toBe('AUTH_MISSING_PERMISSION');
    const large = mapGraphError(403, body, undefined, { ...context, operation: 'send-large' });
    expect(large.message).toContain('Mail.ReadWrite');
    expect(large.hint).toContain('not only Mail.Send');
  });

  it('maps audience, send-as, size, 5xx and unknown errors', () => {
    const audience = { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' } };
    expect(mapGraphError(401, audience, undefined, context).code).toBe('AUTH_WRONG_AUDIENCE');
    expect(mapGraphError(403, { error: { code: 'ErrorSendAsDenied', message: 'x' } }, undefined, { ...context, from: 'ceo@contoso.com' }).message).toContain('ceo@contoso.com');
    expect(mapGraphError(413, undefined, undefined, context).code).toBe('MESSAGE_TOO_LARGE');
    expect(mapGraphError(400, { error: { code: 'ErrorMessageSizeExceeded', message: 'x' } }, undefined, context).code).toBe('MESSAGE_TOO_LARGE');
    expect(mapGraphError(502, undefined, undefined, context).code).toBe('SERVICE_UNAVAILABLE');
    expect(mapGraphError(400, { error: { code: 'Whatever', message: 'strange' } }, undefined, context).code).toBe('SERVICE_ERROR');
  });
});
