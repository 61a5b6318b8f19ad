// delta-seconds per RFC 9110 §10.2.3, plus the fractional form some Microsoft services send ("2.128").
const DELTA_SECONDS = /^\s*(\d{1,10})(?:\.(\d{1,9}))?\s*$/;

/**
 * Milliseconds to wait from a `Retry-After` header value: delta seconds (`"120"`, `"2.128"`) or an
 * HTTP date (`"Wed, 21 Oct 2026 07:28:00 GMT"`), relative to `now` (ms since the epoch). A date in the
 * past gives 0. Returns `undefined` for a missing or unparseable value, so the caller falls back to
 * its own back-off.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  const delta = DELTA_SECONDS.exec(trimmed);
  if (delta) {
    const seconds = Number(`${delta[1]}.${delta[2] ?? '0'}`);
    return Math.ceil(seconds * 1000);
  }
  // Only something shaped like an HTTP date: Date.parse accepts many odd strings ("1", "-5").
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
