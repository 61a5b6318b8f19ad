/** Claims of an access token issued by the simulated Entra ID (the real claim shapes). */
export interface SimAccessTokenClaims {
  /** Resource: e.g. `https://graph.microsoft.com` or `https://outlook.office365.com` (the tenant's cloud's resource URI). */
  aud: string;
  iss: string;
  tid: string;
  /** v1 tokens (app-only Graph/EWS tokens are v1 as in Entra). */
  appid?: string;
  /** v2 tokens. */
  azp?: string;
  roles?: string[];
  scp?: string;
  oid?: string;
  upn?: string;
  preferred_username?: string;
  iat: number;
  nbf: number;
  exp: number;
  ver: '1.0' | '2.0';
  [claim: string]: unknown;
}

/** Checks bearer tokens the way a resource (Graph, EWS) does: signature and lifetime. Audience and roles are the resource's job. */
export interface TokenVerifier {
  verify(token: string): { ok: true; claims: SimAccessTokenClaims } | { ok: false; error: 'malformed' | 'bad-signature' | 'expired' | 'not-yet-valid' };
}
