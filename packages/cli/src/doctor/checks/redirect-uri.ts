import { type DoctorCheck, required } from '../doctor-check.js';
import { failFrom } from '../fail-from.js';

/**
 * `redirect-uri` (auth.flow "authorization-code"): the app accepts the redirect URI `mailbridge
 * login` uses. Entra is asked for the sign-in page without signing in; AADSTS50011 is explained
 * with the exact URI to add in the portal.
 */
export const redirectUriCheck: DoctorCheck = {
  id: 'redirect-uri',
  needs: ['authority'],
  skipMessage: 'Skipped: the redirect URI must be registered first.',
  enabled: (context) => context.loaded?.config.auth.flow === 'authorization-code',
  async run(context) {
    const { config } = required(context, 'loaded');
    const runtime = required(context, 'runtime');
    const core = await import('@mailbridge/core');
    try {
      const found = await core.checkConfiguredRedirectUri(config, runtime.http);
      return {
        status: 'pass',
        message:
          found.mode === 'loopback'
            ? `The app accepts the redirect URI ${found.register} (any port): \`mailbridge login\` receives the sign-in on this machine.`
            : `The app accepts the redirect URI ${found.register}: \`mailbridge login\` asks for the address the browser ends on.`,
      };
    } catch (error) {
      return failFrom(error);
    }
  },
};
