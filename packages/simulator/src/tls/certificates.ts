import { generateKeyPair, generateKeyPairSync, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

/** The simulator's TLS material: a throw-away CA and a server certificate it signed. */
export interface SimulatorCertificates {
  /** PEM of the CA certificate: the only thing a client has to trust. */
  caPem: string;
  /** PEM of the server certificate (SAN 127.0.0.1, ::1, localhost). */
  certPem: string;
  /** PEM (PKCS#8) of the server key. */
  keyPem: string;
}

/**
 * RSA keys come from node:crypto (native, ~20x faster than forge's JS keygen); forge only builds and
 * signs the X.509 structures so we never write ASN.1 by hand.
 */
const generateKeyPairAsync = promisify(generateKeyPair);

type ForgeKeyPair = { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string };

const RSA_OPTIONS = {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
} as const;

function toForge({ privateKey, publicKey }: { privateKey: string; publicKey: string }): ForgeKeyPair {
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    keyPem: privateKey,
  };
}

/** A positive serial number (the high bit cleared so DER does not read it as negative). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

/**
 * Generates a fresh CA and a server certificate for loopback. Validity starts a day back so a
 * clock-skewed client still accepts it.
 */
export function generateCertificates(now: Date = new Date()): SimulatorCertificates {
  return signCertificates(toForge(generateKeyPairSync('rsa', RSA_OPTIONS)), toForge(generateKeyPairSync('rsa', RSA_OPTIONS)), now);
}

/** {@link generateCertificates} with both keys generated in parallel on the libuv thread pool. */
export async function generateCertificatesAsync(now: Date = new Date()): Promise<SimulatorCertificates> {
  const [ca, server] = await Promise.all([generateKeyPairAsync('rsa', RSA_OPTIONS), generateKeyPairAsync('rsa', RSA_OPTIONS)]);
  return signCertificates(toForge(ca), toForge(server), now);
}

function signCertificates(ca: ForgeKeyPair, server: ForgeKeyPair, now: Date): SimulatorCertificates {
  const notBefore = new Date(now.getTime() - 24 * 3600_000);
  const notAfter = new Date(now.getTime() + 365 * 24 * 3600_000);

  const caCert = forge.pki.createCertificate();
  caCert.publicKey = ca.publicKey;
  caCert.serialNumber = serialNumber();
  caCert.validity.notBefore = notBefore;
  caCert.validity.notAfter = notAfter;
  const caSubject = [
    { name: 'commonName', value: 'mailbridge simulator CA' },
    { name: 'organizationName', value: 'mailbridge simulator' },
  ];
  caCert.setSubject(caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }, { name: 'subjectKeyIdentifier' }]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const cert = forge.pki.createCertificate();
  cert.publicKey = server.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(caSubject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
        { type: 2, value: 'localhost' },
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.privateKey, forge.md.sha256.create());

  return {
    caPem: forge.pki.certificateToPem(caCert),
    certPem: forge.pki.certificateToPem(cert),
    keyPem: server.keyPem,
  };
}

let shared: Promise<SimulatorCertificates> | undefined;

/**
 * The certificates of this process: generated once, then shared by every simulator the process
 * starts (a test file starts many; RSA keygen is the slowest part of a start). The keys never
 * leave memory; each simulator still writes the CA to its own file.
 */
export function processCertificates(): Promise<SimulatorCertificates> {
  shared ??= generateCertificatesAsync().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
