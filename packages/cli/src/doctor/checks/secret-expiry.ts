import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { calendarDaysUntil } from '@mailbridge/core';
import { type CheckOutcome, type DoctorCheck, required } from '../doctor-check.js';

/** Warn this many days before a secret or certificate expires. */
const WARN_DAYS = 30;
const RENEW = 'Create a new secret in Entra admin center > App registrations > your app > Certificates & secrets > New client secret, put its Value where the config reads it, and update auth.secretExpiresAt.';
const RENEW_CERTIFICATE = 'Create a new certificate, upload it in Entra admin center > App registrations > your app > Certificates & secrets > Certificates, and point auth.certificate at it (and its key).';

/**
 * `secret-expiry`: how long the app's credential has left (needs no network): the client secret
 * from `auth.secretExpiresAt`, a certificate from its `notAfter`. Warns 30 days ahead, fails after.
 */
export const secretExpiryCheck: DoctorCheck = {
  id: 'secret-expiry',
  needs: ['config'],
  skipMessage: 'Skipped: the client secret must be valid first.',
  async run(context) {
    const { config } = required(context, 'loaded');
    const auth = config.auth as { flow: string; clientSecret?: unknown; secretExpiresAt?: string; certificate?: { certificateFile: string }; clientAssertionFile?: string };
    if (auth.flow === 'basic' || auth.flow === 'ntlm') {
      return { status: 'skip', message: `No app credential: ${auth.flow === 'basic' ? 'Basic' : 'NTLM'} authentication to Exchange Server signs in with the account's password, which Exchange's password policy (not mailbridge) expires.` };
    }
    if (auth.certificate !== undefined) return certificateExpiry(auth.certificate.certificateFile, context.now());
    if (auth.clientSecret === undefined) {
      if (auth.clientAssertionFile !== undefined) return { status: 'skip', message: 'No expiring credential: the federated assertion in auth.clientAssertionFile is renewed by the platform that writes it.' };
      return { status: 'skip', message: `No client secret: a person signs in (${auth.flow}); the kept sign-in is renewed silently.` };
    }
    if (!auth.secretExpiresAt) {
      return {
        status: 'warn',
        message: 'auth.secretExpiresAt is not set, so mailbridge cannot remind you before the client secret expires (Entra secrets live at most two years).',
        hint: 'Look up the expiry in Entra admin center > App registrations > your app > Certificates & secrets, and set auth.secretExpiresAt (e.g. "2028-11-01").',
      };
    }
    const expires = new Date(auth.secretExpiresAt);
    const date = expires.toISOString().slice(0, 10);
    // Calendar days between today and the expiry date (UTC), as a person counts them: a date ten days
    // ahead is "in 10 days" at any hour of today, not 9 because the expiry is at midnight.
    const days = calendarDaysUntil(date, context.now());
    // Entra knows better than the config: a secret it calls expired while the config says otherwise
    // means auth.secretExpiresAt was guessed or copied from another secret.
    if (context.results.get('token')?.code === 'AUTH_SECRET_EXPIRED' && days >= 0) {
      return {
        status: 'fail',
        message:
          `Entra ID reports the client secret expired, but auth.secretExpiresAt says ${date}: that date is wrong. ` +
          'The real expiry has passed; secrets made in the Entra admin center live 6, 12, 18 or 24 months (at most two years) from the day they were created.',
        hint: `The Expires column in Entra admin center > App registrations > your app > Certificates & secrets shows the real date. ${RENEW}`,
        code: 'AUTH_SECRET_EXPIRED',
      };
    }
    if (days < 0) return { status: 'fail', message: `The client secret expired on ${date}.`, hint: RENEW, code: 'AUTH_SECRET_EXPIRED' };
    if (days <= WARN_DAYS) return { status: 'warn', message: `The client secret expires on ${date}, in ${days} day${days === 1 ? '' : 's'}.`, hint: `${RENEW} Do it before ${date}.` };
    return { status: 'pass', message: `The client secret is valid until ${date} (${days} days).` };
  },
};

/** The certificate's `notAfter`, read from the (first) certificate in the PEM file. */
async function certificateExpiry(file: string, now: Date): Promise<CheckOutcome> {
  let certificate: X509Certificate;
  try {
    const pem = await readFile(file, 'utf8');
    const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
    if (!block) throw new Error('no PEM certificate block');
    certificate = new X509Certificate(block);
  } catch (error) {
    return {
      status: 'fail',
      message: `Cannot read the certificate in ${file}: ${(error as Error).message}.`,
      hint: 'Point auth.certificate.certificateFile at the PEM certificate uploaded to the app (Certificates & secrets > Certificates).',
      code: 'CONFIG_INVALID',
    };
  }
  const expires = new Date(certificate.validTo);
  const days = calendarDaysUntil(expires, now);
  const date = expires.toISOString().slice(0, 10);
  const thumbprint = certificate.fingerprint.replaceAll(':', '');
  if (expires.getTime() <= now.getTime()) return { status: 'fail', message: `The certificate (thumbprint ${thumbprint}) expired on ${date}.`, hint: RENEW_CERTIFICATE, code: 'AUTH_SECRET_EXPIRED' };
  if (days <= WARN_DAYS) {
    return { status: 'warn', message: `The certificate (thumbprint ${thumbprint}) expires on ${date}, in ${days} day${days === 1 ? '' : 's'}.`, hint: `${RENEW_CERTIFICATE} Do it before ${date}.` };
  }
  return { status: 'pass', message: `The certificate (thumbprint ${thumbprint}) is valid until ${date} (${days} days).` };
}
