export { calendarDaysUntil } from './calendar-days.js';
export { type ConfigIssue, genericMessage as configIssueMessage, issueLine, toConfigIssues } from './config-issues.js';
export { type ConfigWarning, type ConfigWarningCode, SECRET_EXPIRY_WARNING_DAYS } from './config-warnings.js';
export { ENV_OVERRIDES, type EnvOverrideName } from './env-overrides.js';
export { DEFAULT_CONFIG_FILE, type LoadConfigOptions, loadConfig } from './load-config.js';
export { type LoadedConfig, type ParseConfigOptions, parseConfig } from './parse-config.js';
export {
  DEFAULT_RELAY_MAX_MESSAGE_BYTES,
  DEFAULT_RELAY_NETWORKS,
  RELAY_TLS_MODES,
  type RelayConfig,
  type RelayListenerConfig,
  type RelayUserConfig,
  relaySchema,
  relayWithAbsolutePaths,
} from './relay-schema.js';
export {
  AUTH_FLOWS,
  type AuthConfig,
  type AuthorizationCodeAuthConfig,
  CLOUD_NAMES,
  type ClientCredentialsAuthConfig,
  configSchema,
  DEFAULT_TOKEN_CACHE,
  type DelegatedAuthConfig,
  type DeviceCodeAuthConfig,
  EWS_VERSIONS,
  type EwsVersionName,
  isGuidShaped,
  isLoopbackRedirectUri,
  type MailbridgeConfig,
  type MailbridgeConfigInput,
  NATIVE_CLIENT_PATH,
  type OnPremisesAuthConfig,
  type OutboxConfig,
  TRANSPORTS,
} from './schema.js';
export { isEnvSecretRef, isFileSecretRef, type SecretRef, secretRefSchema } from './secret-ref.js';
export { type ResolveSecretOptions, resolveConfigPath, resolveSecret } from './secrets.js';
export {
  DEFAULT_STATUS_PORT,
  isLoopbackHost,
  type StatusAuthConfig,
  type StatusConfig,
  type StatusConfigInput,
  statusAuthSchema,
  statusSchema,
} from './status-schema.js';
