import type { TokenResource } from '../../cloud/clouds.js';
import type { TokenProvider } from '../token-provider.js';

/** What a person is told to do to sign in (Entra's device authorization answer). */
export interface DeviceCodeInfo {
  /** The code to type on the verification page, e.g. `ABCD2EFGH`. Not a secret once shown, but short-lived. */
  userCode: string;
  /** The page to open, e.g. `https://microsoft.com/devicelogin`. */
  verificationUri: string;
  /** Entra's own sentence telling both. */
  message: string;
  /** When the code expires (about 15 minutes). */
  expiresAt: Date;
}

/** Where an authorization-code sign-in sends the person, and how its answer comes back. */
export interface SignInUrlInfo {
  /** The Entra sign-in address to open in a browser (carries the PKCE challenge and `state`, never a secret). */
  url: string;
  /** The redirect URI of this sign-in, as registered on the app. */
  redirectUri: string;
  /**
   * `loopback`: the browser comes back to a listener on this machine, nothing to do after signing in;
   * `paste`: the browser ends on the redirect URI (the nativeclient page), whose full address the
   * person copies back ({@link SignInOptions.readRedirect}).
   */
  mode: 'loopback' | 'paste';
}

/** Options of {@link DelegatedTokenProvider.signIn}. */
export interface SignInOptions {
  /**
   * Device code: called once with the code to show (print it, or, unattended, hand it to whoever
   * approves it). Sign-in then waits until the person approves, declines, or the code expires.
   * Required for `auth.flow: "device-code"`.
   */
  onDeviceCode?(info: DeviceCodeInfo): void;
  /**
   * Authorization code: called with the sign-in URL (open it in a browser or print it). Required for
   * `auth.flow: "authorization-code"`.
   */
  onSignInUrl?(info: SignInUrlInfo): void | Promise<void>;
  /**
   * Authorization code, paste mode: the address the browser ended on, as the person pasted it.
   * Required when the redirect URI is not a loopback address, or with `paste: true`.
   */
  readRedirect?(info: SignInUrlInfo): Promise<string>;
  /**
   * Authorization code: use the paste flow even when the redirect URI is a loopback address (no
   * browser on this machine); the redirect URI is then the nativeclient URI of the authority host
   * unless `auth.redirectUri` names another non-loopback one. @default false
   */
  paste?: boolean | undefined;
  /** Authorization code, loopback mode: how long to wait for the browser to come back. @default 600000 (10 minutes) */
  timeoutMs?: number | undefined;
  /** Cancels the wait: the sign-in fails with `AUTH_DECLINED` ("cancelled"). */
  signal?: AbortSignal | undefined;
  /** Which API's permissions to consent to at sign-in. @default the config's transport */
  resource?: TokenResource | undefined;
}

/** The person a token cache holds a sign-in for. */
export interface SignedInAccount {
  /** The sign-in name (UPN or e-mail address). */
  username: string;
  /** The account's tenant: the personal-accounts tenant (9188040d-…) for Outlook.com / Live. */
  tenantId: string;
  /** msal's account key: `<object id>.<tenant id>`. */
  homeAccountId: string;
  /** The object id in that tenant. */
  localAccountId: string;
  /** Display name, when the id token has one. */
  name?: string | undefined;
}

/** What {@link DelegatedTokenProvider.signIn} reports. */
export interface SignInResult {
  account: SignedInAccount;
  /** The scopes granted (from the access token's `scp`). */
  scopes: string[];
  /** The resource the first access token is for. */
  resource: TokenResource;
  expiresAt: Date;
}

/**
 * A token provider for a signed-in person (`auth.flow: "device-code"` or `"authorization-code"`): tokens are renewed
 * silently from the refresh token kept in `auth.tokenCache`; when that is no longer possible,
 * `getToken` fails with `AUTH_INTERACTION_REQUIRED` and someone must {@link signIn} again.
 */
export interface DelegatedTokenProvider extends TokenProvider {
  readonly kind: 'delegated';
  /** The sign-in flow: what {@link signIn} needs in its options. */
  readonly flow: 'device-code' | 'authorization-code';
  /** Absolute path of the token cache file. */
  readonly tokenCachePath: string;
  /** Signs a person in (device code, or authorization code in a browser); keeps the result in the token cache (replacing any other account there). */
  signIn(options: SignInOptions): Promise<SignInResult>;
  /** The account whose tokens `getToken` uses, if one is signed in. */
  account(): Promise<SignedInAccount | undefined>;
  /** Removes the signed-in account from the token cache (the file is deleted when no account is left). Returns what was removed. */
  signOut(): Promise<SignedInAccount[]>;
}

/** True for a provider that can sign a person in (the device-code and authorization-code flows). */
export function isDelegatedTokenProvider(provider: TokenProvider): provider is DelegatedTokenProvider {
  return provider.kind === 'delegated' && typeof (provider as Partial<DelegatedTokenProvider>).signIn === 'function';
}
