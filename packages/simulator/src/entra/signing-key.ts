import { createHash, verify as cryptoVerify, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { exportJWK, type JWK, SignJWT } from 'jose';
import forge from 'node-forge';

/** A JSON Web Key as Entra publishes it in its `keys` document. */
export interface EntraJwk {
  kty: 'RSA';
  use: 'sig';
  kid: string;
  x5t: string;
  n: string;
  e: string;
  x5c: string[];
  /** v2 keys documents name the issuer template the key signs for. */
  issuer?: string;
}

/**
 * The token-signing key of the simulated Entra ID: one RSA key and a self-signed certificate
 * around it, so the JWKS carries `x5t`/`x5c` like Microsoft's (`kid` equals `x5t` there too).
 */
export class SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** base64url SHA-1 thumbprint of the certificate: both `kid` and `x5t`. */
  readonly kid: string;
  readonly certificateDer: Buffer;
  private jwkCache: JWK | undefined;

  private constructor(privateKey: KeyObject, publicKey: KeyObject, certificateDer: Buffer) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.certificateDer = certificateDer;
    this.kid = createHash('sha1').update(certificateDer).digest('base64url');
  }

  /**
   * Generates a new key. The RSA key comes from node:crypto (native, fast); node-forge only
   * wraps its public half in a certificate, which Entra's JWKS entries carry as `x5c`.
   */
  static generate(now: number): SigningKey {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(8));
    cert.validity.notBefore = new Date(now - 24 * 3600_000);
    cert.validity.notAfter = new Date(now + 5 * 365 * 24 * 3600_000);
    const name = [{ name: 'commonName', value: 'accounts.accesscontrol.windows.net (mailbridge simulator)' }];
    cert.setSubject(name);
    cert.setIssuer(name);
    cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha256.create());
    const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
    // Sanity: node must read back what forge wrote (it is what clients will parse from x5c).
    new X509Certificate(der);
    return new SigningKey(privateKey, publicKey, der);
  }

  /** The public key as a JWKS entry. */
  async jwk(issuer?: string): Promise<EntraJwk> {
    this.jwkCache ??= await exportJWK(this.publicKey);
    const entry: EntraJwk = {
      kty: 'RSA',
      use: 'sig',
      kid: this.kid,
      x5t: this.kid,
      n: String(this.jwkCache.n),
      e: String(this.jwkCache.e),
      x5c: [this.certificateDer.toString('base64')],
    };
    if (issuer !== undefined) entry.issuer = issuer;
    return entry;
  }

  /** Signs claims as an RS256 JWT with Entra's header (`typ`, `alg`, `x5t`, `kid`). */
  sign(claims: Record<string, unknown>): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg: 'RS256', x5t: this.kid, kid: this.kid }).sign(this.privateKey);
  }

  /**
   * Checks an RS256 signature made by this key, synchronously (resources verify on every request,
   * and the {@link TokenVerifier} contract is synchronous).
   */
  verifySignature(signingInput: string, signature: Buffer): boolean {
    return cryptoVerify('sha256', Buffer.from(signingInput), this.publicKey, signature);
  }
}
