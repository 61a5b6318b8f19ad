import { createHash } from 'node:crypto';

/**
 * A GUID derived from its inputs, so that the same app in the same tenant always gets the same
 * service principal object id (and the same user the same pairwise `sub`) across restarts.
 */
export function stableGuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  // Version 5 / RFC 4122 variant bits, so the value is a well-formed GUID.
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** True for a GUID in its usual 8-4-4-4-12 form. */
export function isGuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
