import { X509Certificate } from 'node:crypto';
import { open } from 'node:fs/promises';
import { calendarDaysUntil, type MailbridgeConfig } from '@mailbridge/core';
import type { CredentialView } from './status-snapshot.js';

/** Days ahead of expiry the page warns (as `doctor` does). */
export const EXPIRY_WARNING_DAYS = 30;
// A certificate file is a few kilobytes; the read is bounded like every other read.
const MAX_CERTIFICATE_BYTES = 256 * 1024;

const RENEW_SECRET = 'Create a new secret in Entra admin center > App registrations > your app > Certificates & secrets > New client secret, put its Value where the config reads it, and update auth.secretExpiresAt.';
const RENEW_CERTIFICATE = 'Create a new certificate, upload its public part in Entra admin center > App registrations > your app > Certificates & secrets > Certificates, and point auth.certificate at the new files.';

/** `dateOnly`: the expiry is a date (auth.secretExpiresAt "2027-01-31"), valid through that day as doctor counts it. */
function judge(kind: 'client-secret' | 'certificate', expiresAt: Date, now: Date, dateOnly = false): CredentialView {
  // Calendar days, as doctor counts them: a date ten days ahead is "in 10 days" at any hour of today.
  const daysLeft = calendarDaysUntil(expiresAt, now);
  const date = expiresAt.toISOString().slice(0, 10);
  const what = kind === 'client-secret' ? 'The client secret' : 'The certificate';
  const hint = kind === 'client-secret' ? RENEW_SECRET : RENEW_CERTIFICATE;
  if (dateOnly ? daysLeft < 0 : expiresAt.getTime() <= now.getTime()) return { kind, state: 'expired', expiresAt, daysLeft, message: `${what} expired on ${date}.`, hint };
  if (daysLeft <= EXPIRY_WARNING_DAYS) {
    return { kind, state: 'warn', expiresAt, daysLeft, message: `${what} expires on ${date}, in ${daysLeft} day${daysLeft === 1 ? '' : 's'}.`, hint: `${hint} Do it before ${date}.` };
  }
  return { kind, state: 'ok', expiresAt, daysLeft, message: `${what} is valid until ${date} (${daysLeft} days).` };
}

async function readCertificate(file: string): Promise<X509Certificate> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_CERTIFICATE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, MAX_CERTIFICATE_BYTES, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    // The first certificate of the file is the app's own (a chain may follow).
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
    return new X509Certificate(pem ?? buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * When the app's credential expires: the client secret's `auth.secretExpiresAt`, or the
 * certificate's own "not after" date. Federated assertions and signed-in people have nothing that
 * expires here.
 */
export async function credentialExpiry(config: MailbridgeConfig, now: Date = new Date()): Promise<CredentialView> {
  const auth = config.auth as { flow: string; clientSecret?: unknown; secretExpiresAt?: string; certificate?: { certificateFile: string } };
  if (auth.flow !== 'client-credentials') return { kind: 'none', state: 'none', message: 'No app credential expires here (a person signs in, or Exchange Server sign-in).' };
  if (auth.certificate) {
    try {
      const certificate = await readCertificate(auth.certificate.certificateFile);
      return judge('certificate', new Date(certificate.validTo), now);
    } catch {
      return {
        kind: 'certificate',
        state: 'warn',
        message: `The certificate file ${auth.certificate.certificateFile} cannot be read as a PEM certificate, so its expiry is unknown.`,
        hint: 'Check auth.certificate.certificateFile: it must be the PEM certificate uploaded to the app registration.',
      };
    }
  }
  if (auth.clientSecret !== undefined) {
    if (!auth.secretExpiresAt) {
      return {
        kind: 'client-secret',
        state: 'warn',
        message: "auth.secretExpiresAt is not set, so the client secret's expiry is unknown (Entra secrets live at most two years).",
        hint: 'Look up the expiry in Entra admin center > App registrations > your app > Certificates & secrets, and set auth.secretExpiresAt (e.g. "2028-11-01").',
      };
    }
    const text = auth.secretExpiresAt;
    return judge('client-secret', new Date(text.length === 10 ? `${text}T00:00:00Z` : text), now, text.length === 10);
  }
  return { kind: 'none', state: 'none', message: 'A federated credential (workload identity) is used: nothing expires here.' };
}
