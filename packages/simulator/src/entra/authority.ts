import type { Directory } from '../state/directory.js';
import type { SeedTenant } from '../types.js';
import { EntraError } from './entra-error.js';
import { isGuid } from './stable-guid.js';

/** Microsoft's tenant id of personal accounts (the `consumers` audience). */
export const CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

/** What the `{tenant}` path segment of an Entra URL designates. */
export type Authority = { kind: 'tenant'; segment: string; tenant: SeedTenant } | { kind: 'common' | 'organizations'; segment: string } | { kind: 'consumers'; segment: string; tenant: SeedTenant };

/** The personal-accounts tenant: the seeded one (`consumers: true`), else Microsoft's well-known id. */
export function consumersTenant(directory: Directory): SeedTenant {
  return directory.tenants().find((t) => t.consumers) ?? { id: CONSUMERS_TENANT_ID, domains: [], consumers: true };
}

/** A DNS-like tenant name: labels of letters, digits, `-`, `_` (Entra answers 90002 for those it does not know). */
const TENANT_NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/i;

/**
 * Resolves a `{tenant}` segment as Entra does: `common`, `organizations`, `consumers`, a tenant
 * GUID or a verified domain. Read from the directory at request time (tenants change at run time).
 * @throws EntraError AADSTS90002 for an unknown tenant, AADSTS900023 for a malformed one.
 */
export function resolveAuthority(segment: string, directory: Directory): Authority {
  const lower = segment.toLowerCase();
  if (lower === 'common' || lower === 'organizations') return { kind: lower, segment: lower };
  if (lower === 'consumers') return { kind: 'consumers', segment: lower, tenant: consumersTenant(directory) };
  const tenant = directory.tenant(segment);
  if (tenant) return tenant.consumers ? { kind: 'consumers', segment, tenant } : { kind: 'tenant', segment, tenant };
  if (isGuid(segment) && segment.toLowerCase() === CONSUMERS_TENANT_ID) {
    return { kind: 'consumers', segment, tenant: consumersTenant(directory) };
  }
  if (!isGuid(segment) && !TENANT_NAME.test(segment)) {
    throw new EntraError(400, 'invalid_request', 900023, `Specified tenant identifier '${segment}' is neither a valid DNS name, nor a valid external domain.`);
  }
  throw new EntraError(
    400,
    'invalid_tenant',
    90002,
    `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );
}

/** How Entra names a tenant in its messages (its default domain's first label, like "contoso"). */
export function tenantDisplayName(tenant: SeedTenant): string {
  const domain = tenant.domains[0];
  if (!domain) return tenant.id;
  return domain.split('.')[0] ?? domain;
}
