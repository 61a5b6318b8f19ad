export { createDeviceCodeProvider, type DeviceCodeProviderDeps } from './create-device-code-provider.js';
export {
  createAuthorizationCodeProvider,
  parsePastedAddress,
  DEFAULT_LOOPBACK_REDIRECT_URI,
  type AuthorizationCodeProviderDeps,
} from './create-authorization-code-provider.js';
export { authorizePageError, checkAuthorizeRequest, checkConfiguredRedirectUri, type CheckAuthorizeOptions, type RedirectUriCheck } from './check-authorize-request.js';
export { redirectUriToRegister } from './map-delegated-error.js';
export { startLoopbackListener, type LoopbackListener, type LoopbackListenerOptions } from './loopback-listener.js';
export { createDelegatedProvider, type DelegatedProviderDeps } from './delegated-session.js';
export {
  isDelegatedTokenProvider,
  type DelegatedTokenProvider,
  type DeviceCodeInfo,
  type SignedInAccount,
  type SignInOptions,
  type SignInResult,
  type SignInUrlInfo,
} from './delegated-token-provider.js';
export { delegatedScopes } from './delegated-scopes.js';
export { FileTokenCachePlugin, type FileTokenCachePluginOptions } from './file-token-cache-plugin.js';
