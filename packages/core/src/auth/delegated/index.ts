export { createDeviceCodeProvider, type DeviceCodeProviderDeps } from './create-device-code-provider.js';
export {
  isDelegatedTokenProvider,
  type DelegatedTokenProvider,
  type DeviceCodeInfo,
  type SignedInAccount,
  type SignInOptions,
  type SignInResult,
} from './delegated-token-provider.js';
export { delegatedScopes } from './delegated-scopes.js';
export { FileTokenCachePlugin, type FileTokenCachePluginOptions } from './file-token-cache-plugin.js';
