import { createRuntime, loadCliConfig } from '../../commands/runtime.js';
import type { DoctorCheck } from '../doctor-check.js';

/**
 * `config`: the config loads and validates, and the network stack it describes can be built (a
 * `network.caFile` that is missing or holds no certificate fails here, not as a bare error).
 */
export const configCheck: DoctorCheck = {
  id: 'config',
  needs: [],
  skipMessage: 'Skipped: the config must be valid first.',
  async run(context) {
    const loaded = await loadCliConfig(context.globals, context.env);
    context.runtime = await createRuntime(loaded, { ...(context.logger ? { logger: context.logger } : {}), ...(context.onRetry ? { onRetry: context.onRetry } : {}) });
    context.loaded = loaded;
    const { config } = loaded;
    // The secret's expiry has its own check: reported once, there, not also as a config warning.
    const warnings = loaded.warnings.filter((warning) => warning.path !== 'auth.secretExpiresAt');
    if (warnings.length > 0) {
      return {
        status: 'warn',
        message: warnings.map((warning) => `${warning.path ? `${warning.path}: ` : ''}${warning.message}`).join(' '),
        hint: warnings.map((warning) => warning.hint).join(' '),
        ...(warnings[0]?.code ? { code: warnings[0].code } : {}),
      };
    }
    return { status: 'pass', message: `${loaded.path ?? 'config'} is valid: ${config.transport} transport, mailbox ${config.mailbox}, ${config.auth.flow}.` };
  },
};
