import type { SeedApp, SeedTenant, SeedUser } from '../types.js';

/**
 * Read access to the simulated directory (tenants, app registrations, users), as Entra, Graph and
 * EWS need it. Lookups are case-insensitive for domains and addresses.
 */
export interface Directory {
  /** A tenant by id (GUID) or by one of its verified domains. */
  tenant(idOrDomain: string): SeedTenant | undefined;
  tenants(): SeedTenant[];
  /** An app registration by client id. */
  app(clientId: string): SeedApp | undefined;
  /** A user by SMTP address / UPN or by object id. */
  user(mailOrId: string): SeedUser | undefined;
  /** The current simulated time in ms (wall clock plus any injected skew). */
  now(): number;
}
