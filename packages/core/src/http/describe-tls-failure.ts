/** What a TLS failure's error carries (Node's `tls` errors; undici passes them on as the cause). */
export interface TlsErrorFields {
  code?: string;
  message?: string;
  /** ERR_TLS_CERT_ALTNAME_INVALID: the server's certificate (`subjectaltname`, `subject.CN`). */
  cert?: unknown;
}

/** Options of {@link describeTlsFailure}. */
export interface DescribeTlsFailureOptions {
  /** The host the URL names (what the certificate had to be for). */
  host: string;
  /**
   * Whether `network.caFile` (or extra CA PEM) is in use; `undefined` when the caller cannot know
   * (a caller's own HTTP client).
   * @default undefined
   */
  caFileSet?: boolean;
}

/** The reason (for the message) and the hint of a TLS failure. */
export interface TlsFailure {
  reason: string;
  hint: string;
}

export const CA_FILE_HINT = "The server's certificate is not trusted: if a proxy or a private CA re-signs TLS, put its CA certificate in a PEM file and set network.caFile.";

// OpenSSL verification results that mean "no trusted chain": fixable with network.caFile.
const UNTRUSTED = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CRL_HAS_EXPIRED']);
const ALTNAME = 'ERR_TLS_CERT_ALTNAME_INVALID';

/** At most this many of the certificate's names are listed, each cut to {@link MAX_NAME_CHARS}. */
const MAX_NAMES = 5;
const MAX_NAME_CHARS = 80;

/** Whether an error code is a TLS failure (certificate or handshake). */
export function isTlsCode(code: string): boolean {
  return UNTRUSTED.has(code) || EXPIRED.has(code) || code === ALTNAME || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO';
}

/**
 * The names a certificate was issued for, from its subjectAltName (DNS names and IP addresses), or
 * its subject CN when it has none. Bounded: the server chooses them, so at most {@link MAX_NAMES},
 * each cut short and stripped of control characters; `more` counts the others.
 */
export function certificateNames(cert: unknown): { names: string[]; more: number } {
  if (typeof cert !== 'object' || cert === null) return { names: [], more: 0 };
  const { subjectaltname, subject } = cert as { subjectaltname?: unknown; subject?: { CN?: unknown } };
  let all: string[] = [];
  if (typeof subjectaltname === 'string' && subjectaltname !== '') {
    // "DNS:a.example, IP Address:10.0.0.1, URI:..." — only the kinds a host name is checked against.
    all = subjectaltname
      .slice(0, 8 * 1024)
      .split(/,\s*/)
      .map((entry) => /^(?:DNS|IP Address):(.*)$/.exec(entry.trim())?.[1])
      .filter((name): name is string => name !== undefined && name !== '');
  } else if (typeof subject?.CN === 'string') all = [subject.CN];
  else if (Array.isArray(subject?.CN)) all = subject.CN.filter((name): name is string => typeof name === 'string');
  const clean = (name: string) => {
    const printable = name.replace(/[^\x20-\x7e]/g, '?');
    return printable.length > MAX_NAME_CHARS ? `${printable.slice(0, MAX_NAME_CHARS)}…` : printable;
  };
  return { names: all.slice(0, MAX_NAMES).map(clean), more: Math.max(0, all.length - MAX_NAMES) };
}

/**
 * The reason and hint of a TLS failure by its error code, or `undefined` when the code is not a TLS
 * one. A certificate for other names is not a trust problem: network.caFile cannot fix it, so the
 * hint says which names the certificate has and that the URL must use one of them. An untrusted
 * certificate while network.caFile is set means the CA in that file did not sign it.
 */
export function describeTlsFailure(error: TlsErrorFields, options: DescribeTlsFailureOptions): TlsFailure | undefined {
  const code = error.code ?? '';
  const text = error.message ?? code;
  if (code === ALTNAME) {
    const { names, more } = certificateNames(error.cert);
    const listed = names.length > 0 ? `${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}` : undefined;
    return {
      reason: `the server's certificate is for ${listed ?? 'other names'}, not for ${options.host} (${code})`,
      hint:
        (listed ? `The server's certificate was issued for ${listed}, not for ${options.host}: ` : `The server's certificate was issued for other names than ${options.host}: `) +
        'the URL must use a name the certificate is issued for, so change the host of the endpoint in the config (endpoints.authorityHost, endpoints.graph or endpoints.ews) to one of them, or have the server given a certificate for this name. network.caFile does not help here: it adds trusted CAs, it does not change which names a certificate covers.',
    };
  }
  if (UNTRUSTED.has(code)) {
    const hint =
      options.caFileSet === true
        ? "The server's certificate is not signed by the CA in network.caFile (nor by any CA this machine trusts): the CA in that file did not sign this server's certificate. Put the CA that did (the server's, or the TLS-inspecting proxy's) in that PEM file; `openssl s_client -showcerts -connect HOST:443` shows the chain and its issuer."
        : CA_FILE_HINT;
    return { reason: `${text} (${code})`, hint };
  }
  if (EXPIRED.has(code)) {
    return { reason: `${text} (${code})`, hint: "The server's certificate is expired or not yet valid: check this machine's clock, then the server's certificate." };
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO') {
    return {
      reason: `${text} (${code})`,
      hint: 'The server did not complete a TLS handshake: check that the URL uses https:// and the right port, and that no device intercepts the connection.',
    };
  }
  return undefined;
}
