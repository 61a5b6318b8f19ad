import { required, type DoctorCheck } from '../doctor-check.js';

const DAY = 86_400_000;
const RENEW =
  'Create a new secret in Entra admin center > App registrations > your app > Certificates & secrets > New client secret, put its Value where the config reads it, and update auth.secretExpiresAt.';

/** `secret-expiry`: how long the client secret has left, from `auth.secretExpiresAt` (needs no network). */
export const secretExpiryCheck: DoctorCheck = {
  id: 'secret-expiry',
  needs: ['config'],
  skipMessage: 'Skipped: the client secret must be valid first.',
  async run(context) {
    const { config } = required(context, 'loaded');
    const auth = config.auth as { flow: string; clientSecret?: unknown; secretExpiresAt?: string };
    if (auth.flow !== 'client-credentials' || auth.clientSecret === undefined) {
      return { status: 'skip', message: 'No client secret in use (certificate, federated assertion or a person signs in).' };
    }
    if (!auth.secretExpiresAt) {
      return {
        status: 'warn',
        message: 'auth.secretExpiresAt is not set, so mailbridge cannot remind you before the client secret expires (Entra secrets live at most two years).',
        hint: 'Look up the expiry in Entra admin center > App registrations > your app > Certificates & secrets, and set auth.secretExpiresAt (e.g. "2028-11-01").',
      };
    }
    const expires = new Date(auth.secretExpiresAt);
    const days = Math.floor((expires.getTime() - context.now().getTime()) / DAY);
    const date = expires.toISOString().slice(0, 10);
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
    if (days <= 30) return { status: 'warn', message: `The client secret expires on ${date}, in ${days} day${days === 1 ? '' : 's'}.`, hint: `${RENEW} Do it before ${date}.` };
    return { status: 'pass', message: `The client secret is valid until ${date} (${days} days).` };
  },
};
