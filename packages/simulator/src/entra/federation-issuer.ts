import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, SignJWT } from 'jose';

/** Issuer used by {@link FederationIssuers.issue} when none is given. Seed a federated credential with it. */
export const DEFAULT_FEDERATION_ISSUER = 'https://federation.mailbridge-simulator.invalid';
/** The audience Entra expects in federated assertions unless the credential says otherwise. */
export const DEFAULT_FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';

/** What a test asks for when it needs a federated (workload identity) assertion. */
export interface FederatedAssertionOptions {
  /** `sub` of the external token, e.g. `system:serviceaccount:alerts:mailer` or `repo:org/app:ref:refs/heads/main`. */
  subject: string;
  /** `iss`; default {@link DEFAULT_FEDERATION_ISSUER}. Any URL: the simulator plays that issuer. */
  issuer?: string;
  /** `aud`; default `api://AzureADTokenExchange`. */
  audience?: string;
  /** Lifetime in seconds (default 3600); negative values give an already expired assertion. */
  lifetimeSeconds?: number;
}

interface IssuerKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * The external identity providers of workload identity federation (Kubernetes, GitHub Actions, …),
 * played by the simulator: each issuer URL gets its own RSA key on first use, and Entra checks
 * federated assertions against it — as real Entra checks them against the issuer's published JWKS.
 * An assertion signed by any other key fails signature validation.
 */
export class FederationIssuers {
  private readonly keys = new Map<string, IssuerKey>();

  constructor(private readonly now: () => number) {}

  private keyOf(issuer: string): IssuerKey {
    let key = this.keys.get(issuer);
    if (!key) {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      key = { kid: randomUUID(), privateKey: pair.privateKey, publicKey: pair.publicKey };
      this.keys.set(issuer, key);
    }
    return key;
  }

  /** Mints a signed assertion as the external issuer would (what a workload finds in its token file). */
  issue(options: FederatedAssertionOptions): Promise<string> {
    const issuer = options.issuer ?? DEFAULT_FEDERATION_ISSUER;
    const key = this.keyOf(issuer);
    const iat = Math.floor(this.now() / 1000);
    const lifetime = options.lifetimeSeconds ?? 3600;
    const nbf = lifetime < 0 ? iat + lifetime - 60 : iat;
    return new SignJWT({ sub: options.subject, aud: options.audience ?? DEFAULT_FEDERATION_AUDIENCE, jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
      .setIssuer(issuer)
      .setIssuedAt(nbf)
      .setNotBefore(nbf)
      .setExpirationTime(iat + lifetime)
      .sign(key.privateKey);
  }

  /** True when the assertion's signature is the issuer's own (only the signature: claims are Entra's job). */
  async verifySignature(assertion: string, issuer: string): Promise<boolean> {
    const key = this.keys.get(issuer);
    if (!key) return false;
    try {
      if (decodeProtectedHeader(assertion).kid !== key.kid) return false;
      await compactVerify(assertion, key.publicKey, { algorithms: ['RS256'] });
      return true;
    } catch {
      return false;
    }
  }
}
