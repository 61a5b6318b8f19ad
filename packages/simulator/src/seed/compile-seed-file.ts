import { createHash } from 'node:crypto';
import { DEMO } from '../demo/demo-seed.js';
import { stableGuid } from '../entra/stable-guid.js';
import type { FaultSpec, SeedApp, SeedAppPermission, SeedData, SeedUser } from '../types.js';
import type { SeedAppPermissionName, SeedFile } from './seed-file-schema.js';

/** What the sandbox needs to write a config for one seeded app. */
export interface SeededApp {
  name: string;
  clientId: string;
  /** The app's client secret: a simulator-only value, the same at every start (derived from the client id). */
  secret: string;
  transport: 'graph' | 'ews';
  mailbox: string;
  /** What the config's auth.secretExpiresAt says (YYYY-MM-DD). */
  configSecretExpiresAt: string;
}

/** A seed file turned into what the simulator takes: directory entries, faults, and the apps' configs. */
export interface CompiledSeed {
  data: Pick<SeedData, 'apps' | 'users'>;
  faults: FaultSpec[];
  apps: SeededApp[];
}

const DEFAULT_PERMISSIONS: SeedAppPermissionName[] = ['Mail.Send', 'Mail.ReadWrite', 'full_access_as_app'];

/** `2027-01-31` stays a date (the end of that day, as Entra shows it); a date-time is kept. */
function expiryInstant(value: string): string {
  return value.length === 10 ? `${value}T23:59:59Z` : new Date(value).toISOString();
}

function resourceOf(permission: SeedAppPermissionName): SeedAppPermission['resource'] {
  return permission === 'full_access_as_app' ? 'ews' : 'graph';
}

/**
 * Turns a checked seed file into seed data for the demo tenant. Client ids and secrets are derived
 * from the app names, so that a sandbox restarted with the same file accepts the configs it wrote.
 */
export function compileSeedFile(seed: SeedFile, now: Date = new Date()): CompiledSeed {
  const inAYear = new Date(now.getTime() + 365 * 86_400_000).toISOString().slice(0, 10);
  const apps: SeedApp[] = [];
  const seeded: SeededApp[] = [];
  for (const app of seed.apps) {
    const clientId = (app.clientId ?? stableGuid('mailbridge-sandbox-app', app.name)).toLowerCase();
    const secret = `sim~Seed.${createHash('sha256').update(`mailbridge-sandbox-secret\u0000${clientId}`).digest('base64url').slice(0, 32)}`;
    const expires = app.secretExpiresAt ?? inAYear;
    const consented = (name: SeedAppPermissionName): boolean => (typeof app.adminConsent === 'boolean' ? app.adminConsent : app.adminConsent.includes(name));
    const permissions: SeedAppPermission[] = (app.permissions ?? DEFAULT_PERMISSIONS).map((name) => ({ resource: resourceOf(name), role: name, adminConsent: consented(name) }));
    apps.push({
      clientId,
      displayName: app.displayName ?? `sandbox ${app.name}`,
      tenantId: DEMO.tenantId,
      secrets: [{ id: stableGuid('mailbridge-sandbox-secret-id', clientId), value: secret, expiresAt: expiryInstant(expires) }],
      permissions,
      ...(app.mailboxScope ? { mailboxScope: app.mailboxScope.map((address) => address.toLowerCase()) } : {}),
    });
    seeded.push({
      name: app.name,
      clientId,
      secret,
      transport: app.transport,
      mailbox: app.mailbox ?? DEMO.mailbox,
      configSecretExpiresAt: (app.configSecretExpiresAt ?? expires).slice(0, 10),
    });
  }
  // A demo mailbox named again (to disable it, say) keeps its object id.
  const demoIds: Record<string, string> = { [DEMO.mailbox]: DEMO.mailboxUserId, [DEMO.secondMailbox]: DEMO.secondUserId };
  const users: SeedUser[] = seed.mailboxes.map((mailbox) => ({
    ...(demoIds[mailbox.address.toLowerCase()] ? { id: demoIds[mailbox.address.toLowerCase()]! } : {}),
    tenantId: DEMO.tenantId,
    mail: mailbox.address,
    displayName: mailbox.displayName ?? mailbox.address.split('@')[0]!,
    password: DEMO.userPassword,
    mailboxEnabled: mailbox.enabled,
    messages: (mailbox.messages ?? []).map((message) => ({
      ...(message.folder ? { folder: message.folder } : {}),
      from: message.from,
      to: message.to ?? [mailbox.address],
      subject: message.subject,
      ...(message.text !== undefined ? { text: message.text } : {}),
      ...(message.html !== undefined ? { html: message.html } : {}),
      ...(message.isRead !== undefined ? { isRead: message.isRead } : {}),
      ...(message.receivedAt !== undefined ? { receivedAt: message.receivedAt } : {}),
    })),
  }));
  return { data: { apps, users }, faults: seed.faults as FaultSpec[], apps: seeded };
}
