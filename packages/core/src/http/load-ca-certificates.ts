import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { MailbridgeError } from '../errors/index.js';
import { FileReadLimitError, readBoundedFileSync } from '../files/read-bounded-file.js';

/** A CA bundle (Mozilla's is about 250 KB) is never near this. */
const MAX_CA_FILE_BYTES = 10 * 1024 * 1024;
/** A CA file is read synchronously: a pipe gets this long. */
const CA_READ_TIMEOUT_MS = 5_000;

/** A PEM file, bounded in size and time (`/dev/zero` or a silent FIFO cannot hang or exhaust the process). */
function readPemFile(file: string): string {
  return readBoundedFileSync(file, { maxBytes: MAX_CA_FILE_BYTES, timeoutMs: CA_READ_TIMEOUT_MS }).toString('utf8');
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The trust store for TLS when an extra CA is configured: Node's bundled roots, the certificates of
 * `NODE_EXTRA_CA_CERTS` (Node drops them once `ca` is given explicitly, so they are re-added), and
 * the extra CA. Returns `undefined` when nothing extra is configured, so Node's defaults apply untouched.
 */
export function loadCaCertificates(options: { caFile?: string; caPem?: string; env: NodeJS.ProcessEnv }): string[] | undefined {
  const extra: string[] = [];
  if (options.caFile) {
    let text: string;
    try {
      text = readPemFile(options.caFile);
    } catch (error) {
      const reason =
        error instanceof FileReadLimitError
          ? error.reason === 'too-large'
            ? `it holds more than ${error.limit} bytes, far more than any CA certificate`
            : `nothing could be read from it within ${error.limit} ms (a pipe nobody writes to?)`
          : (error as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'the file does not exist'
            : `it cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
      throw new MailbridgeError({
        code: 'CONFIG_INVALID',
        message: `network.caFile: "${options.caFile}" cannot be used: ${reason}.`,
        hint: "Point network.caFile at a PEM file with the CA certificate of your proxy or private CA (a relative path is resolved against the config file's folder).",
        details: { path: 'network.caFile' },
        cause: error,
      });
    }
    extra.push(...parsePem(text, `network.caFile: "${options.caFile}"`));
  }
  if (options.caPem) extra.push(...parsePem(options.caPem, 'network.caFile'));
  if (extra.length === 0) return undefined;

  const fromEnv: string[] = [];
  const envFile = options.env.NODE_EXTRA_CA_CERTS;
  if (envFile) {
    try {
      fromEnv.push(...(readPemFile(envFile).match(PEM_BLOCK) ?? []));
    } catch {
      // Node itself warns about an unreadable NODE_EXTRA_CA_CERTS at startup; nothing to add here.
    }
  }
  return [...rootCertificates, ...fromEnv, ...extra];
}

function parsePem(text: string, what: string): string[] {
  const blocks = text.match(PEM_BLOCK) ?? [];
  const hint = 'network.caFile must be a PEM file (text starting with -----BEGIN CERTIFICATE-----). Convert a DER .cer/.crt with: openssl x509 -inform der -in ca.cer -out ca.pem';
  if (blocks.length === 0) {
    throw new MailbridgeError({ code: 'CONFIG_INVALID', message: `${what} holds no PEM certificate.`, hint, details: { path: 'network.caFile' } });
  }
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new MailbridgeError({
        code: 'CONFIG_INVALID',
        message: `${what}: certificate ${index + 1} is not a valid X.509 certificate.`,
        hint,
        details: { path: 'network.caFile' },
        cause: error,
      });
    }
  });
  return blocks;
}
