import { createPrivateKey, X509Certificate } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import type { NodeAuthOptions } from '@azure/msal-node';
import { MailbridgeError } from '../errors/index.js';
import { FileReadLimitError, readBoundedFile } from '../files/read-bounded-file.js';

/** The credential part of a client-credentials config, as the token provider reads it. */
export interface ClientCredentialInput {
  /** The client secret's *Value*, once resolved. */
  clientSecret?: unknown;
  certificate?: { certificateFile: string; privateKeyFile: string; passphrase?: unknown };
  clientAssertionFile?: string;
}

/** How to turn a secret reference (`"literal"`, `{ env }`, `{ file }`) into its value. */
export type SecretResolver = (ref: unknown, path: string) => Promise<string>;

/** The msal-node credential options for one app, and what is known about the credential. */
export interface ResolvedClientCredential {
  kind: 'secret' | 'certificate' | 'assertion';
  msal: Pick<NodeAuthOptions, 'clientSecret' | 'clientCertificate' | 'clientAssertion'>;
  /** A GUID-shaped client secret is almost always the secret's ID pasted instead of its Value. */
  secretLooksLikeId: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Resolves the configured credential (exactly one of client secret, certificate, federated
 * assertion file) into msal-node options. Every secret value met on the way is handed to
 * `registerSecret` first, so no later error or log line can contain it.
 */
export async function resolveClientCredential(input: ClientCredentialInput, options: { resolveSecret: SecretResolver; baseDir: string; registerSecret: (value: string) => void }): Promise<ResolvedClientCredential> {
  if (input.clientSecret !== undefined) {
    const secret = (await options.resolveSecret(input.clientSecret, 'auth.clientSecret')).trim();
    options.registerSecret(secret);
    if (secret === '') throw emptySecret('auth.clientSecret', 'The client secret is empty.');
    return { kind: 'secret', msal: { clientSecret: secret }, secretLooksLikeId: GUID.test(secret) };
  }
  if (input.certificate !== undefined) {
    return { kind: 'certificate', msal: { clientCertificate: await loadCertificate(input.certificate, options) }, secretLooksLikeId: false };
  }
  if (input.clientAssertionFile !== undefined) {
    const file = resolvePath(options.baseDir, input.clientAssertionFile);
    const reader = createAssertionReader(file, options.registerSecret);
    await reader(); // fail early (and clearly) when the file is missing, instead of inside msal
    return { kind: 'assertion', msal: { clientAssertion: reader }, secretLooksLikeId: false };
  }
  throw new MailbridgeError({
    code: 'CONFIG_INVALID',
    message: 'auth: client-credentials needs exactly one credential: clientSecret, certificate or clientAssertionFile.',
    hint: 'Add "clientSecret": { "env": "MAILBRIDGE_CLIENT_SECRET" } (the secret\'s Value from Entra admin center > App registrations > your app > Certificates & secrets), or a certificate, or a federated token file.',
    details: { path: 'auth' },
  });
}

function emptySecret(path: string, message: string, hint = "Set it to the secret's Value (Entra admin center > App registrations > your app > Certificates & secrets), not its Secret ID."): MailbridgeError {
  return new MailbridgeError({ code: 'SECRET_UNRESOLVED', message: `${path}: ${message}`, hint, details: { path } });
}

/** An empty federated token file: the platform has not written the token (yet). */
const EMPTY_ASSERTION_HINT =
  "The platform that projects the federated token has not written it: check the volume mount of the service account token (Kubernetes: the projected volume with audience api://AzureADTokenExchange; Azure workload identity sets AZURE_FEDERATED_TOKEN_FILE) and that the pod's service account is annotated for workload identity.";

/** A certificate chain or key file is never near this; an assertion (a JWT) is far smaller. */
const MAX_CREDENTIAL_FILE_BYTES = 1024 * 1024;

/** A credential file, bounded in size and time (FIFOs such as `<(…)` are fine, `/dev/zero` is not). */
async function readCredentialFile(file: string): Promise<string> {
  return (await readBoundedFile(file, { maxBytes: MAX_CREDENTIAL_FILE_BYTES })).toString('utf8');
}

/** Why a credential file could not be read, in words. */
function readProblem(cause: unknown): string {
  if (cause instanceof FileReadLimitError) {
    return cause.reason === 'too-large' ? ` (it holds more than ${cause.limit} bytes)` : ` (nothing came within ${cause.limit} ms: a pipe nobody writes to?)`;
  }
  const code = (cause as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? ' (it does not exist)' : code === 'EACCES' ? ' (permission denied)' : code === 'EISDIR' ? ' (it is a folder)' : '';
}

async function readText(file: string, path: string, what: string): Promise<string> {
  try {
    return await readCredentialFile(file);
  } catch (cause) {
    throw new MailbridgeError({
      code: 'SECRET_UNRESOLVED',
      message: `${path}: cannot read the ${what} file ${file}${readProblem(cause)}.`,
      hint: `Check the path in ${path}; a relative path is resolved against the config file's folder.`,
      details: { path },
      cause,
    });
  }
}

/**
 * msal-node 7 signs the client assertion itself; it wants the PKCS#8 private key in clear, the
 * SHA-256 thumbprint of the certificate (hex) and, for subject-name/issuer auth, the chain (x5c).
 */
async function loadCertificate(
  certificate: NonNullable<ClientCredentialInput['certificate']>,
  options: { resolveSecret: SecretResolver; baseDir: string; registerSecret: (value: string) => void },
): Promise<NonNullable<NodeAuthOptions['clientCertificate']>> {
  const certPath = resolvePath(options.baseDir, certificate.certificateFile);
  const keyPath = resolvePath(options.baseDir, certificate.privateKeyFile);
  const certPem = await readText(certPath, 'auth.certificate.certificateFile', 'certificate');
  const keyPem = await readText(keyPath, 'auth.certificate.privateKeyFile', 'private key');
  options.registerSecret(keyPem.trim());

  const certBlocks = certPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const leafPem = certBlocks[0];
  let leaf: X509Certificate;
  try {
    if (leafPem === undefined) throw new Error('no PEM certificate block');
    leaf = new X509Certificate(leafPem);
  } catch (cause) {
    throw new MailbridgeError({
      code: 'CONFIG_INVALID',
      message: `auth.certificate.certificateFile: ${certPath} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`,
      hint: 'Export the certificate as PEM (Base-64). For a .pfx/.p12 file: openssl pkcs12 -in cert.pfx -nokeys -out cert.pem',
      details: { path: 'auth.certificate.certificateFile' },
      cause,
    });
  }

  let passphrase: string | undefined;
  if (certificate.passphrase !== undefined) {
    passphrase = await options.resolveSecret(certificate.passphrase, 'auth.certificate.passphrase');
    options.registerSecret(passphrase);
  }
  let privateKeyPkcs8: string;
  try {
    const key = createPrivateKey(passphrase === undefined ? { key: keyPem, format: 'pem' } : { key: keyPem, format: 'pem', passphrase });
    privateKeyPkcs8 = key.export({ format: 'pem', type: 'pkcs8' }).toString();
    if (!leaf.checkPrivateKey(key)) {
      throw new MailbridgeError({
        code: 'CONFIG_INVALID',
        message: `auth.certificate: the private key in ${keyPath} does not belong to the certificate in ${certPath}.`,
        hint: 'Use the key pair of the certificate uploaded to Entra admin center > App registrations > your app > Certificates & secrets.',
        details: { path: 'auth.certificate.privateKeyFile' },
      });
    }
  } catch (cause) {
    if (MailbridgeError.isInstance(cause)) throw cause;
    const encrypted = /ENCRYPTED/.test(keyPem);
    throw new MailbridgeError({
      code: 'CONFIG_INVALID',
      message: encrypted
        ? `auth.certificate.passphrase: the private key in ${keyPath} is encrypted and ${passphrase === undefined ? 'no passphrase is configured' : 'the passphrase does not open it'}.`
        : `auth.certificate.privateKeyFile: ${keyPath} holds no readable PEM private key.`,
      hint: encrypted
        ? 'Set auth.certificate.passphrase (e.g. { "env": "MAILBRIDGE_CERT_PASSPHRASE" }) to the key\'s passphrase.'
        : 'Export the key as PEM (PKCS#8 "BEGIN PRIVATE KEY" or "BEGIN RSA PRIVATE KEY"). From a .pfx: openssl pkcs12 -in cert.pfx -nocerts -nodes -out key.pem',
      details: { path: encrypted ? 'auth.certificate.passphrase' : 'auth.certificate.privateKeyFile' },
    });
  }
  options.registerSecret(privateKeyPkcs8.trim());

  return {
    thumbprintSha256: leaf.fingerprint256.replaceAll(':', '').toLowerCase(),
    privateKey: privateKeyPkcs8,
    // msal-node takes the PEM chain and sends it as the x5c header (subject name + issuer auth).
    x5c: certBlocks.join('\n'),
  };
}

/**
 * A federated token file (workload identity: Kubernetes projects and rotates it, typically
 * hourly) is read again on every token request (msal-node calls this each time), so a
 * long-running process never presents a rotated-away assertion. Token requests are rare (tokens
 * are cached for about an hour), so reading a small file each time costs nothing, and it is
 * immune to coarse mtimes and same-size rewrites that a "changed?" check could miss.
 */
function createAssertionReader(file: string, registerSecret: (value: string) => void): () => Promise<string> {
  return async () => {
    let value: string;
    try {
      value = (await readCredentialFile(file)).trim();
    } catch (cause) {
      throw new MailbridgeError({
        code: 'SECRET_UNRESOLVED',
        message: `auth.clientAssertionFile: cannot read ${file}${readProblem(cause)}.`,
        hint: "Point auth.clientAssertionFile at the projected service-account token (e.g. the path in AZURE_FEDERATED_TOKEN_FILE); a relative path is resolved against the config file's folder.",
        details: { path: 'auth.clientAssertionFile' },
        cause,
      });
    }
    registerSecret(value);
    if (value === '') throw emptySecret('auth.clientAssertionFile', `${file} is empty.`, EMPTY_ASSERTION_HINT);
    return value;
  };
}
