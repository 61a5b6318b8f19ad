/** What a removed secret is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * Object keys whose values are secrets whatever they look like. Matched case-insensitively against
 * the whole key, with `-` and `_` optional, so `clientSecret`, `client_secret` and `Client-Secret` all match.
 */
export const SENSITIVE_KEY =
  /^(?:authorization|proxy[-_]?authorization|cookie|set[-_]?cookie|password|passphrase|passwd|pwd|secret|client[-_]?secret|client[-_]?assertion|assertion|(?:access|refresh|id|bearer|session)[-_]?token|token|api[-_]?key|private[-_]?key|x[-_]?api[-_]?key|x[-_]?anchor[-_]?mailbox[-_]?token)$/i;

// Names of credential parameters in a form body, a query string or a JSON document.
const PARAM_NAMES = 'client_secret|clientSecret|client_assertion|clientAssertion|password|passphrase|refresh_token|refreshToken|access_token|accessToken|id_token|idToken|assertion|code_verifier|device_code|token';

const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  // Header lines as printed in a request dump: everything after the name is a credential.
  [/\b((?:proxy-)?authorization|cookie|set-cookie)(\s*[:=]\s*)(?!\[REDACTED\])[^\r\n]+/gi, `$1$2${REDACTED}`],
  // Bearer / Basic / NTLM / Negotiate credentials wherever they appear. A credential has a digit, an
  // upper-case letter or a symbol in it; a plain lower-case word ("Bearer tokens") is prose.
  [/\b(Bearer|Basic|NTLM|Negotiate)\s+(?!\[REDACTED\])(?=[a-z]*[A-Z0-9\-._~+/=])[A-Za-z0-9\-._~+/]+=*/g, `$1 ${REDACTED}`],
  // JSON string members: "client_secret": "…"
  [new RegExp(`("(?:${PARAM_NAMES})"\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)(")`, 'gi'), `$1${REDACTED}$3`],
  // key=value in form bodies, query strings and prose.
  [new RegExp(`\\b(${PARAM_NAMES})=(?!\\[REDACTED\\])[^&\\s"'<>]+`, 'gi'), `$1=${REDACTED}`],
  // XML elements that carry credentials (SOAP headers, WS-Security).
  [/(<(?:[\w-]+:)?(?:Password|BinarySecurityToken|ClientSecret)\b[^>]*>)([^<]*)(<\/)/gi, `$1${REDACTED}$3`],
  // Any JWT (JWS, three segments; JWE, five) — an access, id or refresh token or a client assertion.
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)?/g, REDACTED],
  // Entra refresh tokens are opaque strings starting with a version marker such as "0.A" / "1.A".
  [/\b[01]\.A[A-Za-z0-9_-]{40,}[A-Za-z0-9_.\-*]*/g, REDACTED],
  // Microsoft account (Outlook.com) refresh tokens and codes: "M.C5xx_BAY.0.U.-Cj3…".
  [/\bM\.[A-Za-z0-9]+_[A-Za-z0-9]+\.[A-Za-z0-9!*$_.-]{20,}/g, REDACTED],
  // Credentials in URLs: scheme://user:password@host
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, `$1${REDACTED}@`],
];

/** Applies the built-in patterns (not registered secrets) to `text`. */
export function redactPatterns(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}
