import type { InitBranch } from './init-checklists.js';

/** A secret as the config holds it: an environment variable, a file, or (discouraged) the value. */
export type SecretRef = string | { env: string } | { file: string };

/** Everything init learnt, from questions or flags; `buildConfig` turns it into the config file. */
export interface InitAnswers {
  transport: 'graph' | 'ews';
  branch: InitBranch;
  mailbox: string;
  /** The national cloud; not written for Exchange Server on-premises. */
  cloud?: 'global' | 'usgov' | 'usgov-dod' | 'china';
  tenant?: string;
  clientId?: string;
  clientSecret?: SecretRef;
  /** YYYY-MM-DD. */
  secretExpiresAt?: string;
  certificate?: { certificateFile: string; privateKeyFile: string; passphrase?: SecretRef };
  redirectUri?: string;
  username?: string;
  domain?: string;
  password?: SecretRef;
  endpoints?: { authorityHost?: string; graph?: string; ews?: string };
  caFile?: string;
  /**
   * Secrets typed at a prompt, to be written (mode 0600) together with the config, so an
   * interrupted wizard leaves nothing behind. Paths are absolute.
   */
  secretFiles: Array<{ path: string; value: string; replace: boolean }>;
}

/** The `auth.flow` of a branch. */
export function flowOf(branch: InitBranch): 'client-credentials' | 'authorization-code' | 'device-code' | 'basic' | 'ntlm' {
  return branch === 'client-secret' || branch === 'certificate' ? 'client-credentials' : branch;
}

/** The token cache a delegated config names (next to the config file). */
export const TOKEN_CACHE = './mailbridge.token-cache.json';

/** The config file's content (PRODUCT.md shape) for the answers. */
export function buildConfig(answers: InitAnswers): Record<string, unknown> {
  const flow = flowOf(answers.branch);
  let auth: Record<string, unknown>;
  if (flow === 'basic' || flow === 'ntlm') {
    auth = { flow, username: answers.username, password: answers.password, ...(answers.domain ? { domain: answers.domain } : {}) };
  } else {
    auth = { flow, tenant: answers.tenant, clientId: answers.clientId };
    if (answers.clientSecret !== undefined) auth.clientSecret = answers.clientSecret;
    if (answers.certificate !== undefined) auth.certificate = answers.certificate;
    if (answers.secretExpiresAt) auth.secretExpiresAt = answers.secretExpiresAt;
    if (answers.redirectUri) auth.redirectUri = answers.redirectUri;
    if (flow !== 'client-credentials') auth.tokenCache = TOKEN_CACHE;
  }
  const endpoints = Object.fromEntries(Object.entries(answers.endpoints ?? {}).filter(([, value]) => value !== undefined && value !== ''));
  return {
    $schema: 'https://unpkg.com/@mailbridge/core/schema/mailbridge.schema.json',
    transport: answers.transport,
    mailbox: answers.mailbox,
    ...(answers.cloud ? { cloud: answers.cloud } : {}),
    auth,
    ...(Object.keys(endpoints).length > 0 ? { endpoints } : {}),
    ...(answers.caFile ? { network: { caFile: answers.caFile } } : {}),
  };
}

/** Whether the config holds a secret value itself (then it is written 0600). */
export function holdsLiteralSecret(answers: InitAnswers): boolean {
  return [answers.clientSecret, answers.password, answers.certificate?.passphrase].some((secret) => typeof secret === 'string');
}

/** The environment variables the config's secrets name (for validation with placeholders). */
export function secretEnvNames(answers: InitAnswers): string[] {
  return [answers.clientSecret, answers.password, answers.certificate?.passphrase].flatMap((secret) => (typeof secret === 'object' && secret !== null && 'env' in secret ? [secret.env] : []));
}
