import { createPrivateKey, X509Certificate } from 'node:crypto';
import { open } from 'node:fs/promises';

/** What init shows of a certificate, so the admin can match it in the portal. */
export interface CertificateInfo {
  /** SHA-1 thumbprint, upper-case hex: the "Thumbprint" column of Certificates & secrets > Certificates. */
  thumbprint: string;
  /** YYYY-MM-DD. */
  expiresOn: string;
  expired: boolean;
}

// A PEM certificate or key is a few KiB; a bound keeps a wrong path (a device, a huge file) harmless.
const MAX_PEM_BYTES = 256 * 1024;

async function readPem(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error('not a regular file');
    const buffer = Buffer.alloc(MAX_PEM_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_PEM_BYTES) throw new Error(`larger than ${MAX_PEM_BYTES} bytes: not a PEM file`);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

const reason = (error: unknown): string => ((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error));

/**
 * Reads a certificate and its private key as core will: PEM, the key opens and belongs to the
 * certificate. `passphrase`: the key's passphrase; `undefined` when none is configured; `null`
 * when one is configured that init cannot read (an environment variable not set here): the key
 * check of an encrypted key is then skipped. Returns the thumbprint and expiry, or the problem.
 */
export async function inspectCertificate(certificateFile: string, privateKeyFile: string, passphrase?: string | null, now: Date = new Date()): Promise<CertificateInfo | { problem: string }> {
  let certificate: X509Certificate;
  try {
    const pem = (await readPem(certificateFile)).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0];
    if (pem === undefined) return { problem: `${certificateFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----). From a .pfx: openssl pkcs12 -in cert.pfx -nokeys -out cert.pem` };
    certificate = new X509Certificate(pem);
  } catch (error) {
    return { problem: `the certificate ${certificateFile} cannot be read: ${reason(error)}` };
  }
  let keyPem: string;
  try {
    keyPem = await readPem(privateKeyFile);
  } catch (error) {
    return { problem: `the private key ${privateKeyFile} cannot be read: ${reason(error)}` };
  }
  const encrypted = /ENCRYPTED/.test(keyPem);
  if (encrypted && passphrase === undefined) return { problem: `the private key ${privateKeyFile} is encrypted: give its passphrase (an environment variable or a file)` };
  if (!encrypted || typeof passphrase === 'string') {
    try {
      const key = createPrivateKey(typeof passphrase === 'string' ? { key: keyPem, format: 'pem', passphrase } : { key: keyPem, format: 'pem' });
      if (!certificate.checkPrivateKey(key)) return { problem: `the private key ${privateKeyFile} does not belong to the certificate ${certificateFile}: use the key pair of the certificate uploaded to Entra` };
    } catch {
      return {
        problem: encrypted ? `the passphrase does not open the private key ${privateKeyFile}` : `${privateKeyFile} holds no readable PEM private key. From a .pfx: openssl pkcs12 -in cert.pfx -nocerts -nodes -out key.pem`,
      };
    }
  }
  const validTo = new Date(certificate.validTo);
  return { thumbprint: certificate.fingerprint.replaceAll(':', ''), expiresOn: validTo.toISOString().slice(0, 10), expired: validTo.getTime() <= now.getTime() };
}
