import { randomBytes } from 'node:crypto';
import type { SeedApp, SeedTenant, SeedUser } from '../types.js';
import type { AppIdAcr } from './client-authentication.js';
import type { ResourceMatch } from './resources.js';
import { cloudOf, v1Issuer } from './resources.js';
import type { SigningKey } from './signing-key.js';
import { stableGuid } from './stable-guid.js';

/** Entra back-dates `iat`/`nbf` by five minutes so that resources with a slow clock accept new tokens. */
const BACKDATE_SECONDS = 300;
/** The Directory Readers-like role id Entra puts in app-only Graph tokens' `wids`. */
const APP_WIDS = ['0997a1d0-0d1d-4acb-b408-d5ca73121e90'];

/** The object id of an app's service principal in a tenant (stable across restarts). */
export function servicePrincipalId(clientId: string, tenantId: string): string {
  return stableGuid('service-principal', clientId, tenantId);
}

/** A user's object id: the seeded one, else derived from the address. */
export function userObjectId(user: SeedUser): string {
  return user.id ?? stableGuid('user', user.mail.toLowerCase());
}

function opaque(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** A signed access token and its lifetime in seconds. */
export interface IssuedAccessToken {
  accessToken: string;
  expiresIn: number;
}

/** What a delegated (user) token is for. */
export interface DelegatedGrant {
  app: SeedApp;
  user: SeedUser;
  userTenant: SeedTenant;
  resource: ResourceMatch;
  /** Granted permissions on the resource plus requested OpenID scopes (except offline_access): the `scp` claim. */
  scp: string[];
  /** Whether `email` was asked (adds the email claim to the id token). */
  wantsEmail: boolean;
  /** Session start (ms), for `auth_time`-like claims. */
  authTime: number;
  /** How the client authenticated: '0' public client (default), '1' secret, '2' certificate or assertion. */
  appidacr?: '0' | '1' | '2';
  /** The flow the session began with: Conditional Access tracks device code sessions into their refreshes. */
  flow?: 'device-code' | 'authorization-code';
}

/**
 * Mints Entra's tokens with the real claim shapes: v1 access tokens for Graph and Exchange
 * (app-only and delegated), v2 id tokens, and `client_info` for msal's account cache.
 */
export class TokenIssuer {
  /** Lifetime of access tokens in seconds (Entra: 60–90 minutes; default 3599 like its samples). */
  accessTokenLifetime = 3599;

  constructor(
    private readonly key: SigningKey,
    private readonly baseUrl: string,
  ) {}

  /**
   * An app-only token as Entra issues it for the client-credentials grant: `roles` holds only the
   * permissions with admin consent on THAT resource, and is absent when there is none.
   */
  async appOnly(app: SeedApp, tenant: SeedTenant, resource: ResourceMatch, appidacr: AppIdAcr, now: number): Promise<IssuedAccessToken> {
    const seconds = Math.floor(now / 1000);
    const issuer = v1Issuer(cloudOf(tenant), tenant.id);
    const oid = servicePrincipalId(app.clientId, tenant.id);
    const roles = [...new Set((app.permissions ?? []).filter((p) => p.resource === resource.api && p.adminConsent !== false).map((p) => p.role))];
    const claims: Record<string, unknown> = {
      aud: resource.uri,
      iss: issuer,
      iat: seconds - BACKDATE_SECONDS,
      nbf: seconds - BACKDATE_SECONDS,
      exp: seconds + this.accessTokenLifetime,
      aio: opaque(48),
      app_displayname: app.displayName ?? app.clientId,
      appid: app.clientId,
      appidacr,
      idp: issuer,
      idtyp: 'app',
      oid,
      rh: `0.${opaque(40)}.`,
      ...(roles.length > 0 ? { roles } : {}),
      sub: oid,
      tenant_region_scope: 'NA',
      tid: tenant.id,
      uti: opaque(16),
      ver: '1.0',
      wids: APP_WIDS,
    };
    return { accessToken: await this.key.sign(claims), expiresIn: this.accessTokenLifetime };
  }

  /** A delegated v1 access token: `scp`, the user's `oid`, `upn`/`unique_name` (for personal accounts `live.com#…`). */
  async delegated(grant: DelegatedGrant, now: number): Promise<IssuedAccessToken> {
    const seconds = Math.floor(now / 1000);
    const { app, user, userTenant } = grant;
    const personal = userTenant.consumers === true;
    const issuer = v1Issuer(cloudOf(userTenant), userTenant.id);
    const oid = userObjectId(user);
    const name = user.displayName ?? user.mail;
    const [given, ...family] = name.split(' ');
    const claims: Record<string, unknown> = {
      aud: grant.resource.uri,
      iss: issuer,
      iat: seconds - BACKDATE_SECONDS,
      nbf: seconds - BACKDATE_SECONDS,
      exp: seconds + this.accessTokenLifetime,
      acr: '1',
      aio: opaque(48),
      amr: ['pwd'],
      app_displayname: app.displayName ?? app.clientId,
      appid: app.clientId,
      appidacr: grant.appidacr ?? '0',
      ...(family.length > 0 ? { family_name: family.join(' ') } : {}),
      given_name: given,
      idtyp: 'user',
      ...(personal ? { idp: 'live.com', email: user.mail } : {}),
      ipaddr: '127.0.0.1',
      name,
      oid,
      platf: '14',
      puid: stableGuid('puid', oid).replace(/-/g, '').slice(0, 16).toUpperCase(),
      rh: `0.${opaque(40)}.`,
      scp: grant.scp.join(' '),
      sid: stableGuid('session', oid, String(grant.authTime)),
      sub: stableGuid('pairwise', oid, app.clientId).replace(/-/g, ''),
      tenant_region_scope: personal ? undefined : 'NA',
      tid: userTenant.id,
      unique_name: personal ? `live.com#${user.mail}` : user.mail,
      ...(personal ? {} : { upn: user.mail }),
      uti: opaque(16),
      ver: '1.0',
    };
    if (claims.tenant_region_scope === undefined) delete claims.tenant_region_scope;
    return { accessToken: await this.key.sign(claims), expiresIn: this.accessTokenLifetime };
  }

  /** A v2 id token (what msal-node reads for the account: `preferred_username`, `oid`, `tid`, `name`). */
  idToken(grant: DelegatedGrant, now: number): Promise<string> {
    const seconds = Math.floor(now / 1000);
    const { app, user, userTenant } = grant;
    const oid = userObjectId(user);
    return this.key.sign({
      aud: app.clientId,
      iss: `${this.baseUrl}/${userTenant.id}/v2.0`,
      iat: seconds - BACKDATE_SECONDS,
      nbf: seconds - BACKDATE_SECONDS,
      exp: seconds + 3600,
      ...(grant.wantsEmail ? { email: user.mail } : {}),
      name: user.displayName ?? user.mail,
      oid,
      preferred_username: user.mail,
      rh: `0.${opaque(40)}.`,
      sub: stableGuid('pairwise', oid, app.clientId).replace(/-/g, ''),
      tid: userTenant.id,
      uti: opaque(16),
      ver: '2.0',
    });
  }

  /** `client_info`: base64url JSON `{uid, utid}`, from which msal-node builds its home account id. */
  clientInfo(grant: DelegatedGrant): string {
    return Buffer.from(JSON.stringify({ uid: userObjectId(grant.user), utid: grant.userTenant.id })).toString('base64url');
  }
}
