export { authorizePageError, type CheckAuthorizeOptions, checkAuthorizeRequest, checkConfiguredRedirectUri, type RedirectUriCheck } from './check-authorize-request.js';
export {
  type AuthorizationCodeProviderDeps,
  createAuthorizationCodeProvider,
  DEFAULT_LOOPBACK_REDIRECT_URI,
  parsePastedAddress,
} from './create-authorization-code-provider.js';
export { createDeviceCodeProvider, type DeviceCodeProviderDeps } from './create-device-code-provider.js';
export { delegatedScopes } from './delegated-scopes.js';
export { createDelegatedProvider, type DelegatedProviderDeps } from './delegated-session.js';
export {
  type DelegatedTokenProvider,
  type DeviceCodeInfo,
  isDelegatedTokenProvider,
  type SignedInAccount,
  type SignInOptions,
  type SignInResult,
  type SignInUrlInfo,
} from './delegated-token-provider.js';
export { FileTokenCachePlugin, type FileTokenCachePluginOptions } from './file-token-cache-plugin.js';
export { type LoopbackListener, type LoopbackListenerOptions, startLoopbackListener } from './loopback-listener.js';
export { redirectUriToRegister } from './map-delegated-error.js';
