import { randomBytes, randomInt } from 'node:crypto';
import type { SeedTenant, SeedUser } from '../types.js';
import type { Authority } from './authority.js';
import { tenantDisplayName } from './authority.js';
import { delegatedGrant, delegatedTokenResponse, publicAppForAuthority, requirePublicClient, userSignInError } from './delegated-sign-in.js';
import { EntraError, missingParameter } from './entra-error.js';
import { appNotFound, type GrantContext, readClientId } from './grant-context.js';
import type { RefreshTokens } from './refresh-tokens.js';
import { cloudOf } from './resources.js';
import { parseDelegatedScopes } from './scopes.js';

/** Entra's device codes live 15 minutes. */
const LIFETIME_SECONDS = 900;
/** User codes: Entra's are 8–9 upper-case letters and digits; the confusable ones are left out. */
const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const USER_CODE_LENGTH = 9;
/** Bound of the store (a client that never polls leaves its code behind until it expires). */
const STORE_LIMIT = 10_000;

type DeviceCodeState = { kind: 'pending' } | { kind: 'declined' } | { kind: 'failed'; error: EntraError } | { kind: 'approved'; user: SeedUser; userTenant: SeedTenant; authTime: number };

interface PendingDeviceCode {
  deviceCode: string;
  userCode: string;
  clientId: string;
  authority: Authority;
  scope: string;
  expiresAt: number;
  state: DeviceCodeState;
}

/** Upper case, without the spaces and dashes people type. */
export function normaliseUserCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase();
}

/**
 * The device authorization grant (RFC 8628 as Entra implements it): `/devicecode` hands out codes,
 * the token endpoint answers `authorization_pending` (70016) until the user approves,
 * `authorization_declined` (65004), `expired_token` (70019) or `bad_verification_code`.
 * Entra does not send `slow_down`, nor does msal-node handle it; polling faster than `interval` is accepted.
 */
export class DeviceCodes {
  private readonly byDevice = new Map<string, PendingDeviceCode>();
  private readonly byUser = new Map<string, PendingDeviceCode>();

  constructor(
    private readonly verificationUri: string,
    /** Seconds between polls the client is told to wait (Entra: 5). */
    public interval = 5,
  ) {}

  private prune(now: number): void {
    // Insertion order is creation order, so expired codes come first.
    for (const entry of this.byDevice.values()) {
      if (entry.expiresAt > now && this.byDevice.size < STORE_LIMIT) break;
      this.remove(entry);
    }
  }

  private remove(entry: PendingDeviceCode): void {
    this.byDevice.delete(entry.deviceCode);
    this.byUser.delete(entry.userCode);
  }

  private newUserCode(): string {
    // 32^9 codes against at most 10 000 pending ones: a collision is rare, a second one rarer still.
    for (let attempt = 0; attempt < 100; attempt++) {
      let code = '';
      for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
      if (!this.byUser.has(code)) return code;
    }
    throw new Error('Could not draw a free device-code user code.');
  }

  /** `POST /{tenant}/oauth2/v2.0/devicecode`. */
  request(ctx: GrantContext, authority: Authority, form: URLSearchParams): Record<string, unknown> {
    this.prune(ctx.now);
    const clientId = readClientId(form);
    const app = publicAppForAuthority(ctx, clientId, authority);
    const scope = form.get('scope');
    // Validated now (one resource, known to the cloud), so a bad scope fails before the user is involved.
    const cloud = authority.kind === 'tenant' ? cloudOf(authority.tenant) : 'global';
    parseDelegatedScopes(scope, cloud, authority.kind === 'tenant' ? tenantDisplayName(authority.tenant) : authority.segment);
    const entry: PendingDeviceCode = {
      deviceCode: `DAQABIQEAAAD${randomBytes(120).toString('base64url')}`,
      userCode: this.newUserCode(),
      clientId: app.clientId,
      authority,
      scope: scope as string,
      expiresAt: ctx.now + LIFETIME_SECONDS * 1000,
      state: { kind: 'pending' },
    };
    this.byDevice.set(entry.deviceCode, entry);
    this.byUser.set(entry.userCode, entry);
    return {
      user_code: entry.userCode,
      device_code: entry.deviceCode,
      verification_uri: this.verificationUri,
      expires_in: LIFETIME_SECONDS,
      interval: this.interval,
      message: `To sign in, use a web browser to open the page ${this.verificationUri} and enter the code ${entry.userCode} to authenticate.`,
    };
  }

  /** `grant_type=urn:ietf:params:oauth:grant-type:device_code` at the token endpoint. */
  async redeem(ctx: GrantContext, form: URLSearchParams, authorization: string | undefined, refreshTokens: RefreshTokens): Promise<Record<string, unknown>> {
    const clientId = readClientId(form);
    const deviceCode = form.get('device_code');
    if (!deviceCode) throw missingParameter('device_code');
    const app = ctx.directory.app(clientId);
    if (!app) throw appNotFound(clientId, 'common');
    requirePublicClient(app, form, authorization);
    const entry = this.byDevice.get(deviceCode);
    if (!entry || entry.clientId.toLowerCase() !== clientId.toLowerCase()) {
      throw new EntraError(400, 'bad_verification_code', 70000, "The provided value for the input parameter 'device_code' is not valid.");
    }
    if (entry.expiresAt <= ctx.now) {
      this.remove(entry);
      throw new EntraError(400, 'expired_token', 70019, 'Verification code expired.');
    }
    switch (entry.state.kind) {
      case 'pending':
        throw new EntraError(400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
      case 'declined':
        this.remove(entry);
        throw new EntraError(400, 'authorization_declined', 65004, 'User declined to consent to access the app.');
      case 'failed':
        this.remove(entry);
        throw entry.state.error;
      case 'approved': {
        this.remove(entry);
        const { user, userTenant, authTime } = entry.state;
        const scopes = parseDelegatedScopes(entry.scope, cloudOf(userTenant), tenantDisplayName(userTenant));
        const grant = { ...delegatedGrant(app, user, userTenant, scopes, authTime), flow: 'device-code' as const };
        return delegatedTokenResponse(ctx, grant, scopes, form, refreshTokens);
      }
    }
  }

  /** The pending request a user code names (for the sign-in page), if any and not expired. */
  pending(userCode: string, now: number): { clientId: string } | undefined {
    const entry = this.byUser.get(normaliseUserCode(userCode));
    if (!entry || entry.expiresAt <= now || entry.state.kind !== 'pending') return undefined;
    return { clientId: entry.clientId };
  }

  /**
   * What the person does on the sign-in page: approve as `userMail`, or decline. Account-type and
   * consent problems are recorded and reach the polling client as Entra's errors.
   * @throws Error when the code is unknown, expired or used, or the user does not exist.
   */
  approve(ctx: GrantContext, userCode: string, userMail: string, decline: boolean): void {
    const entry = this.byUser.get(normaliseUserCode(userCode));
    if (!entry || entry.expiresAt <= ctx.now) throw new Error(`No pending device-code sign-in has the code ${userCode} (unknown or expired).`);
    if (entry.state.kind !== 'pending') throw new Error(`The device code ${userCode} was already approved or declined.`);
    const user = ctx.directory.user(userMail);
    if (!user) throw new Error(`No user ${userMail} in the simulated directory.`);
    const userTenant = ctx.directory.tenant(user.tenantId);
    if (!userTenant) throw new Error(`The tenant ${user.tenantId} of ${userMail} is not in the simulated directory.`);
    if (decline) {
      entry.state = { kind: 'declined' };
      return;
    }
    const app = ctx.directory.app(entry.clientId);
    if (!app) throw new Error(`The app ${entry.clientId} of this device code is no longer in the simulated directory.`);
    const signInError = userSignInError(ctx, app, user, userTenant, entry.authority, 'device-code');
    if (signInError) {
      entry.state = { kind: 'failed', error: signInError };
      return;
    }
    try {
      delegatedGrant(app, user, userTenant, parseDelegatedScopes(entry.scope, cloudOf(userTenant), tenantDisplayName(userTenant)), ctx.now);
    } catch (err) {
      if (!(err instanceof EntraError)) throw err;
      entry.state = { kind: 'failed', error: err };
      return;
    }
    entry.state = { kind: 'approved', user, userTenant, authTime: ctx.now };
  }
}
