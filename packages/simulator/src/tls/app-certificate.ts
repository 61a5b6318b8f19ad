import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

/** Options of {@link createAppCertificate}. */
export interface AppCertificateOptions {
  /** Subject common name. @default 'mailbridge simulator app' */
  commonName?: string;
  /** Start of validity. @default now minus one hour */
  notBefore?: Date;
  /** End of validity (may be in the past, to rehearse an expired certificate). @default one year from now */
  notAfter?: Date;
}

/** A self-signed certificate for an app registration's certificate credential, and its key. */
export interface AppCertificate {
  /** PEM certificate: seed it in `SeedApp.certificates` and point `auth.certificate.certificateFile` at it. */
  certificatePem: string;
  /** PKCS#8 PEM private key (`auth.certificate.privateKeyFile`). Simulator-only: worthless elsewhere. */
  privateKeyPem: string;
  /** SHA-1 thumbprint (hex, upper case), as Entra lists it. */
  thumbprint: string;
}

/**
 * Creates a self-signed certificate credential for an app registration, with the validity asked
 * for: what an administrator uploads under Certificates & secrets. For tests and rehearsals of the
 * certificate sign-in (and of doctor's expiry warnings).
 */
export function createAppCertificate(options: AppCertificateOptions = {}): AppCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 3600_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
  const subject = [{ name: 'commonName', value: options.commonName ?? 'mailbridge simulator app' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const certificatePem = forge.pki.certificateToPem(cert);
  return { certificatePem, privateKeyPem: privateKey, thumbprint: new X509Certificate(certificatePem).fingerprint.replaceAll(':', '') };
}
