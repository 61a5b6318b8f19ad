/**
 * Address rules of `allowedFrom` / `allowedRecipients` / `sendAs`: an address matches itself
 * (case-insensitively) and `@domain` matches every address of that domain (not its subdomains).
 */
export function matchesAddress(address: string, patterns: readonly string[]): boolean {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at <= 0) return false;
  const domain = lower.slice(at);
  return patterns.some((pattern) => {
    const p = pattern.trim().toLowerCase();
    return p.startsWith('@') ? p === domain : p === lower;
  });
}
