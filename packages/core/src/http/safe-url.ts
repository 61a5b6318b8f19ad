/**
 * A URL fit for an error message or a log: no credentials, no query string (it may hold a token or
 * a SAS signature), no fragment. Unparseable input gives `'(invalid URL)'`.
 */
export function safeUrl(url: string | URL): string {
  try {
    const parsed = new URL(String(url));
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi;

/** `text` with every URL in it reduced by {@link safeUrl}. */
export function stripUrls(text: string): string {
  return text.replace(URL_IN_TEXT, (match) => {
    const safe = safeUrl(match);
    return safe === '(invalid URL)' ? match.replace(/[?#].*$/, '').replace(/\/\/[^/@]*@/, '//') : safe;
  });
}
