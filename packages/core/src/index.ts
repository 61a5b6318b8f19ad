/**
 * @mailbridge/core — config, token provider, the MailTransport contract, errors, HTTP and retry.
 * @packageDocumentation
 */
export * from './errors/index.js';
export type * from './transport/index.js';
export { CLOUDS, type CloudName, type CloudEndpoints, type TokenResource } from './cloud/clouds.js';
export { resolveEndpoints, type EndpointsConfig } from './cloud/resolve-endpoints.js';
export { tokenScopes } from './cloud/token-scopes.js';
export * from './config/index.js';
export { mapEntraError, parseEntraError, aadstsEntry, AADSTS_TABLE, type AadstsEntry, type EntraError, type MapEntraErrorOptions } from './errors/aadsts.js';
export type { TokenProvider, AccessToken, TokenClaims } from './auth/token-provider.js';
export { createTokenProvider, type TokenProviderDeps } from './auth/create-token-provider.js';
export {
  createDeviceCodeProvider,
  isDelegatedTokenProvider,
  delegatedScopes,
  FileTokenCachePlugin,
  type DeviceCodeProviderDeps,
  type DelegatedTokenProvider,
  type DeviceCodeInfo,
  type SignedInAccount,
  type SignInOptions,
  type SignInResult,
  type FileTokenCachePluginOptions,
  createAuthorizationCodeProvider,
  parsePastedAddress,
  DEFAULT_LOOPBACK_REDIRECT_URI,
  authorizePageError,
  checkAuthorizeRequest,
  checkConfiguredRedirectUri,
  type RedirectUriCheck,
  redirectUriToRegister,
  startLoopbackListener,
  type AuthorizationCodeProviderDeps,
  type CheckAuthorizeOptions,
  type LoopbackListener,
  type LoopbackListenerOptions,
  type SignInUrlInfo,
} from './auth/delegated/index.js';
export { decodeClaims } from './auth/decode-claims.js';
export { checkPermissions, type MailOperation, type PermissionCheckOptions, type PermissionCheckResult } from './auth/check-permissions.js';
export { createTransport, importAdapterPackage, ADAPTER_PACKAGES, type CreateTransportOptions } from './transport/create-transport.js';
export type { TransportContext, AdapterModule } from './transport/transport-context.js';
export { DefinedTransport, type TransportDefinition, type TransportOperations } from './transport/defined-transport.js';
export { prepareOutgoingMessage, type PrepareMessageOptions, type PreparedMessage } from './transport/prepare-message.js';
export { prepareMimeMessage, type PreparedMime } from './transport/prepare-mime.js';
export { validateOutgoingMessage, DEFAULT_MAX_RECIPIENTS, type MessageLimits } from './transport/validate-outgoing-message.js';
export { toMailAddress } from './transport/mail-address.js';
export { generateInternetMessageId, isInternetMessageId } from './transport/internet-message-id.js';
export { attachmentContentType, mimeTypeOf } from './transport/mime-types.js';
export { assertSize, attachmentChunks, openAttachment, readAttachment, sizeAttachments, type SizedAttachment } from './transport/attachment-source.js';
export * from './http/index.js';
export * from './files/index.js';
export * from './retry/index.js';
export * from './concurrency/index.js';
export * from './redact/index.js';
export * from './log/index.js';

/** The version of @mailbridge/core. */
export const VERSION: string = __PACKAGE_VERSION__;
// Crash-safe file primitives, shared with the outbox's file spool.
export { acquireFileLock, type FileLockOptions, type ReleaseFileLock } from './auth/delegated/file-lock.js';
export { atomicWriteFile } from './auth/delegated/atomic-write-file.js';
