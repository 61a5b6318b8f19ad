export {
  configSchema,
  isGuidShaped,
  AUTH_FLOWS,
  CLOUD_NAMES,
  EWS_VERSIONS,
  TRANSPORTS,
  DEFAULT_TOKEN_CACHE,
  NATIVE_CLIENT_PATH,
  isLoopbackRedirectUri,
  type MailbridgeConfig,
  type MailbridgeConfigInput,
  type AuthConfig,
  type ClientCredentialsAuthConfig,
  type DeviceCodeAuthConfig,
  type AuthorizationCodeAuthConfig,
  type DelegatedAuthConfig,
  type OnPremisesAuthConfig,
  type EwsVersionName,
  type OutboxConfig,
} from './schema.js';
export { secretRefSchema, isEnvSecretRef, isFileSecretRef, type SecretRef } from './secret-ref.js';
export { resolveSecret, resolveConfigPath, type ResolveSecretOptions } from './secrets.js';
export { parseConfig, type LoadedConfig, type ParseConfigOptions } from './parse-config.js';
export { loadConfig, DEFAULT_CONFIG_FILE, type LoadConfigOptions } from './load-config.js';
export { ENV_OVERRIDES, type EnvOverrideName } from './env-overrides.js';
export { SECRET_EXPIRY_WARNING_DAYS, type ConfigWarning, type ConfigWarningCode } from './config-warnings.js';
export type { ConfigIssue } from './config-issues.js';
export {
  relaySchema,
  relayWithAbsolutePaths,
  RELAY_TLS_MODES,
  DEFAULT_RELAY_NETWORKS,
  DEFAULT_RELAY_MAX_MESSAGE_BYTES,
  type RelayConfig,
  type RelayListenerConfig,
  type RelayUserConfig,
} from './relay-schema.js';
export {
  statusSchema,
  statusAuthSchema,
  isLoopbackHost,
  DEFAULT_STATUS_PORT,
  type StatusConfig,
  type StatusConfigInput,
  type StatusAuthConfig,
} from './status-schema.js';
