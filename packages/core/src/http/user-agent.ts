// Replaced at build time by tsup; source run directly (vitest without a define) has no version.
const VERSION: string = typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : '0.0.0-dev';

/**
 * The user agent mailbridge sends: `mailbridge/<version> (node <version>; <platform>)`, after an
 * optional product token of the caller (e.g. `mailbridge-cli/0.1.0`). Service logs (and Microsoft
 * support) can then tell mailbridge's traffic and version apart.
 */
export function buildUserAgent(product?: string): string {
  const base = `mailbridge/${VERSION} (node ${process.version}; ${process.platform})`;
  const prefix = product?.trim();
  return prefix ? `${prefix} ${base}` : base;
}
