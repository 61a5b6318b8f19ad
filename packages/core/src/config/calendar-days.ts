const DAY_MS = 86_400_000;

/**
 * Calendar days from `now` to `expiry`, counted between their UTC dates as a person counts them: a
 * date ten days ahead is "in 10 days" at any hour of today (dividing milliseconds says 9 once the
 * day has begun). Negative once the date has passed; 0 on the day itself. `expiry` is a `Date` or
 * an ISO 8601 date (`2027-01-31`) or date-time.
 */
export function calendarDaysUntil(expiry: Date | string, now: Date = new Date()): number {
  const date = typeof expiry === 'string' ? new Date(expiry.length === 10 ? `${expiry}T00:00:00Z` : expiry) : expiry;
  const startOf = (value: Date) => Date.UTC(value.getUTCFullYear(), value.getUTCMonth(), value.getUTCDate());
  return Math.round((startOf(date) - startOf(now)) / DAY_MS);
}
