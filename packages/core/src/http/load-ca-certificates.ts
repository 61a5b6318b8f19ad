import { X509Certificate } from 'node:crypto';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
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
 * The extra CA certificates (PEM) of `network.caFile` / `caPem`, checked, or `undefined` when none is
 * configured. They are added to Node's default trust store (see {@link trustAlso}).
 */
export function loadCaCertificates(options: { caFile?: string; caPem?: string }): string[] | undefined {
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
  return extra.length === 0 ? undefined : extra;
}

/**
 * A TLS context trusting Node's default store (its bundled roots, parsed once by Node, natively), the
 * certificates of `NODE_EXTRA_CA_CERTS` (Node leaves them out of a context that adds a CA, so they
 * are added again) and `extra`. Handing the ~150 bundled roots over as `ca`, as before, made Node
 * parse them all from PEM again: about 30 ms of CPU in every fresh process that sends through a
 * proxy or private CA.
 */
export function trustAlso(extra: string[], env: NodeJS.ProcessEnv, context: SecureContext = createSecureContext()): SecureContext {
  // `context.context` is Node's native context (used this way by trust-store libraries): adding a CA
  // to it copies the default store first, so no other connection's trust changes. It is not a
  // documented API: where a Node version lacks it, the whole store is handed over as `ca` instead.
  const native = (context as { context?: { addCACert?: unknown } }).context;
  if (typeof native?.addCACert !== 'function') return createSecureContext({ ca: [...rootCertificates, ...extraCaFromEnv(env), ...extra] });
  const add = native.addCACert.bind(native) as (pem: string) => void;
  for (const pem of extraCaFromEnv(env)) add(pem);
  for (const pem of extra) add(pem);
  return context;
}

/** The certificates of `NODE_EXTRA_CA_CERTS`, which Node leaves out of a context that adds a CA. */
function extraCaFromEnv(env: NodeJS.ProcessEnv): string[] {
  const envFile = env.NODE_EXTRA_CA_CERTS;
  if (!envFile) return [];
  try {
    return readPemFile(envFile).match(PEM_BLOCK) ?? [];
  } catch {
    // Node itself warns about an unreadable NODE_EXTRA_CA_CERTS at startup; nothing to add here.
    return [];
  }
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
