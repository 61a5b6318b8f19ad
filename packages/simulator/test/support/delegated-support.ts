/**
 * Seed and helpers shared by the delegated (device-code) tests of @mailbridge/core against the
 * simulator: a multi-tenant public app that also accepts personal accounts, a personal-only app, a
 * work-only app, a personal (consumers) user and work users in two tenants.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SeedData } from '../../src/types.js';

export const CONSUMERS_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
export const HOME_TENANT = '1c0d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
export const OTHER_TENANT = '2d1e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a';
/** Multi-tenant, work and personal accounts ("any organizational directory and personal accounts"). */
export const ANY_ACCOUNT_APP = '3e2f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b';
/** Registered in the consumers tenant: personal accounts only. */
export const PERSONAL_ONLY_APP = '4f3a5b6c-7d8e-4f9a-8b1c-2d3e4f5a6b7c';
/** Multi-tenant, work accounts only. */
export const WORK_ONLY_APP = '5a4b6c7d-8e9f-4a0b-9c2d-3e4f5a6b7c8d';

export const PERSONAL_USER = 'pat.personal@outlook.com';
export const WORK_USER = 'megan@fabrikam.example';
export const HOME_USER = 'adele@contoso-home.example';

const scopes = [
  { resource: 'graph', scope: 'Mail.Send' },
  { resource: 'graph', scope: 'Mail.ReadWrite' },
  { resource: 'graph', scope: 'User.Read' },
  { resource: 'ews', scope: 'EWS.AccessAsUser.All' },
] as const;

export function delegatedSeed(): SeedData {
  return {
    tenants: [
      { id: CONSUMERS_TENANT, domains: ['outlook.com'], consumers: true },
      { id: HOME_TENANT, domains: ['contoso-home.example'] },
      { id: OTHER_TENANT, domains: ['fabrikam.example'] },
    ],
    apps: [
      { clientId: ANY_ACCOUNT_APP, displayName: 'mailbridge (any account)', tenantId: HOME_TENANT, publicClient: true, multiTenant: true, allowPersonalAccounts: true, delegatedScopes: [...scopes] },
      { clientId: PERSONAL_ONLY_APP, displayName: 'mailbridge (personal only)', tenantId: CONSUMERS_TENANT, publicClient: true, delegatedScopes: [...scopes] },
      { clientId: WORK_ONLY_APP, displayName: 'mailbridge (work only)', tenantId: HOME_TENANT, publicClient: true, multiTenant: true, delegatedScopes: [...scopes] },
    ],
    users: [
      { id: 'a1000000-0000-4000-8000-000000000001', tenantId: CONSUMERS_TENANT, mail: PERSONAL_USER, displayName: 'Pat Personal' },
      { id: 'a1000000-0000-4000-8000-000000000002', tenantId: OTHER_TENANT, mail: WORK_USER, displayName: 'Megan Bowen' },
      { id: 'a1000000-0000-4000-8000-000000000003', tenantId: HOME_TENANT, mail: HOME_USER, displayName: 'Adele Vance' },
    ],
  };
}

/** A temp folder, removed by `cleanup()`. */
export function tempFolder(): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), 'mailbridge-delegated-'));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
