import type { IncomingHttpHeaders } from 'node:http';
import type { LoggedRequest } from '../types.js';

/** Headers whose values are credentials: only the scheme (if any) is kept. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-simulator-admin-key']);
/** Query parameters that carry credentials (upload session tokens, client secrets in a query). */
const CREDENTIAL_QUERY = /([?&](?:authtoken|client_secret|code|password|access_token|refresh_token|client_assertion|assertion)=)[^&]*/gi;

/** `Bearer eyJ…` → `Bearer [redacted]`; values without a scheme become `[redacted]`. */
export function redactCredential(value: string): string {
  const space = value.indexOf(' ');
  return space > 0 ? `${value.slice(0, space)} [redacted]` : '[redacted]';
}

/** Copies headers for the log, credentials redacted. */
export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name in headers) {
    const raw = headers[name];
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    result[name] = CREDENTIAL_HEADERS.has(name) ? redactCredential(value) : value;
  }
  return result;
}

/** Path and query with credential parameters redacted. */
export function redactUrl(pathAndQuery: string): string {
  return pathAndQuery.includes('=') ? pathAndQuery.replace(CREDENTIAL_QUERY, '$1[redacted]') : pathAndQuery;
}

/** The in-memory request log: a ring buffer, so a long benchmark cannot grow it without bound. */
export class RequestLog {
  private readonly entries: Array<LoggedRequest | undefined>;
  private next = 0;
  private size = 0;

  constructor(private readonly capacity = 20_000) {
    this.entries = new Array(capacity);
  }

  add(entry: LoggedRequest): void {
    this.entries[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Entries, oldest first. */
  list(): LoggedRequest[] {
    const result: LoggedRequest[] = [];
    const start = (this.next - this.size + this.capacity) % this.capacity;
    for (let i = 0; i < this.size; i++) result.push(this.entries[(start + i) % this.capacity]!);
    return result;
  }

  clear(): void {
    this.entries.fill(undefined);
    this.next = 0;
    this.size = 0;
  }
}
