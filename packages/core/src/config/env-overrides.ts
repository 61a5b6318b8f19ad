import type { ConfigWarning } from './config-warnings.js';

/**
 * The environment variables that override the config file, for containers that keep one image
 * and set the rest per deployment. Each maps to one JSON path.
 */
export const ENV_OVERRIDES = {
  MAILBRIDGE_TRANSPORT: 'transport',
  MAILBRIDGE_MAILBOX: 'mailbox',
  MAILBRIDGE_TENANT: 'auth.tenant',
  MAILBRIDGE_CLIENT_ID: 'auth.clientId',
  MAILBRIDGE_CLIENT_SECRET: 'auth.clientSecret',
} as const;

/** An environment variable that overrides a config value. */
export type EnvOverrideName = keyof typeof ENV_OVERRIDES;

/** The raw config with the overrides applied, which paths they set, and warnings. */
export interface EnvOverrideResult {
  input: unknown;
  /** JSON path → the variable that set it (for messages: a bad value may come from the environment). */
  setBy: Map<string, EnvOverrideName>;
  warnings: ConfigWarning[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** True when any override variable is set (non-empty). */
export function hasEnvOverrides(env: NodeJS.ProcessEnv): boolean {
  return (Object.keys(ENV_OVERRIDES) as EnvOverrideName[]).some((name) => (env[name] ?? '') !== '');
}

/**
 * Applies the overrides to a copy of the raw config. Empty variables count as unset (a container
 * template often sets them empty). MAILBRIDGE_CLIENT_SECRET becomes `{"env": "MAILBRIDGE_CLIENT_SECRET"}`
 * rather than the value, so the secret stays out of the config object and is read only when a
 * token is needed; it replaces whichever credential the file had.
 */
export function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): EnvOverrideResult {
  const setBy = new Map<string, EnvOverrideName>();
  const warnings: ConfigWarning[] = [];
  if (!isObject(raw)) return { input: raw, setBy, warnings };
  const input: Record<string, unknown> = structuredClone(raw);
  const value = (name: EnvOverrideName) => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };

  for (const name of ['MAILBRIDGE_TRANSPORT', 'MAILBRIDGE_MAILBOX'] as const) {
    const v = value(name);
    if (v !== undefined) {
      input[ENV_OVERRIDES[name]] = v.trim();
      setBy.set(ENV_OVERRIDES[name], name);
    }
  }

  const authNames = ['MAILBRIDGE_TENANT', 'MAILBRIDGE_CLIENT_ID', 'MAILBRIDGE_CLIENT_SECRET'] as const;
  if (authNames.some((name) => value(name) !== undefined)) {
    if (input.auth === undefined) input.auth = {};
    // A non-object `auth` is reported by validation as it is; overriding into it would hide that.
    if (isObject(input.auth)) {
      const auth = input.auth;
      const tenant = value('MAILBRIDGE_TENANT');
      if (tenant !== undefined) {
        auth.tenant = tenant.trim();
        setBy.set('auth.tenant', 'MAILBRIDGE_TENANT');
      }
      const clientId = value('MAILBRIDGE_CLIENT_ID');
      if (clientId !== undefined) {
        auth.clientId = clientId.trim();
        setBy.set('auth.clientId', 'MAILBRIDGE_CLIENT_ID');
      }
      if (value('MAILBRIDGE_CLIENT_SECRET') !== undefined) {
        if (auth.flow === undefined || auth.flow === 'client-credentials' || auth.flow === 'authorization-code') {
          for (const replaced of ['certificate', 'clientAssertionFile'] as const) {
            if (replaced === 'clientAssertionFile' && auth.flow === 'authorization-code') continue;
            if (auth[replaced] !== undefined) {
              delete auth[replaced];
              warnings.push({
                path: `auth.${replaced}`,
                code: 'ENV_OVERRIDE',
                message: `auth.${replaced} is ignored: MAILBRIDGE_CLIENT_SECRET is set and replaces the credential of the config file`,
                hint: `Unset MAILBRIDGE_CLIENT_SECRET to use auth.${replaced}.`,
              });
            }
          }
          auth.clientSecret = { env: 'MAILBRIDGE_CLIENT_SECRET' };
          setBy.set('auth.clientSecret', 'MAILBRIDGE_CLIENT_SECRET');
        } else {
          warnings.push({
            path: 'auth.flow',
            code: 'ENV_OVERRIDE',
            message: `MAILBRIDGE_CLIENT_SECRET is set but ignored: auth.flow is ${typeof auth.flow === 'string' && auth.flow.length <= 40 ? `"${auth.flow}"` : 'not "client-credentials"'}, which uses no client secret`,
            hint: 'Unset MAILBRIDGE_CLIENT_SECRET, or use auth.flow "client-credentials".',
          });
        }
      }
    }
  }
  return { input, setBy, warnings };
}
