import type { TokenResource } from '../cloud/clouds.js';

/** The claims of an access token that mailbridge reads (the CLI's `token` command prints them). */
export interface TokenClaims {
  aud: string;
  iss: string;
  tid: string;
  /** App id (v1 tokens). */
  appid?: string;
  /** App id (v2 tokens). */
  azp?: string;
  /** Application permissions (app-only tokens). */
  roles?: string[];
  /** Delegated scopes, space separated (delegated tokens). */
  scp?: string;
  oid?: string;
  /** Signed-in user (delegated tokens). */
  upn?: string;
  preferred_username?: string;
  iat?: number;
  nbf?: number;
  exp: number;
  [claim: string]: unknown;
}

/** An access token with its expiry and decoded claims. `token` is a secret: never log it. */
export interface AccessToken {
  token: string;
  expiresAt: Date;
  claims: TokenClaims;
}

/** Gives access tokens for Graph or EWS. Implementations cache and share in-flight requests. */
export interface TokenProvider {
  /** `app-only` (client credentials) or `delegated` (a signed-in person). */
  readonly kind: 'app-only' | 'delegated';
  getToken(resource: TokenResource, options?: { signal?: AbortSignal; forceRefresh?: boolean }): Promise<AccessToken>;
}
