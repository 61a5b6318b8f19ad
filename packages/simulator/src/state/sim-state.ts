import { readFileSync } from 'node:fs';
import { MailbridgeError } from '@mailbridge/core';
import type { SendingLimitGate } from '../mail/sending-limits.js';
import type { OutboundMessage, SeedApp, SeedData, SeedTenant, SeedUser } from '../types.js';
import type { Directory } from './directory.js';
import { ids } from './ids.js';
import { Mailbox } from './mailbox.js';

/** Outbound log bound: old entries are dropped first. */
const MAX_OUTBOUND = 10_000;

/**
 * The simulator's whole state: the directory (tenants, apps, users) and the mailboxes. It is the
 * {@link Directory} Entra, Graph and EWS read, always at request time, because tests seed at run time.
 */
export class SimState implements Directory {
  private readonly tenantsById = new Map<string, SeedTenant>();
  private readonly tenantsByDomain = new Map<string, SeedTenant>();
  private readonly appsById = new Map<string, SeedApp>();
  private readonly usersByKey = new Map<string, SeedUser>();
  private readonly mailboxesByAddress = new Map<string, Mailbox>();
  private readonly outboundLog: OutboundMessage[] = [];
  /** Clock offset in ms (clock-skew fault). */
  clockSkewMs = 0;
  /** How long the sender's copy of a sent message waits in the Outbox before it is filed (late-sent-copy fault). */
  sentCopyDelayMs = 0;
  /** Exchange Online's sending limits, when enforced. */
  sendingLimits: SendingLimitGate | undefined;

  /** Current simulated time in ms. */
  now(): number {
    return Date.now() + this.clockSkewMs;
  }

  /** Current simulated time as Graph writes it (ISO 8601, whole seconds, `Z`). */
  nowIso(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  tenant(idOrDomain: string): SeedTenant | undefined {
    const key = idOrDomain.toLowerCase();
    return this.tenantsById.get(key) ?? this.tenantsByDomain.get(key);
  }

  tenants(): SeedTenant[] {
    return [...this.tenantsById.values()];
  }

  app(clientId: string): SeedApp | undefined {
    return this.appsById.get(clientId.toLowerCase());
  }

  apps(): SeedApp[] {
    return [...this.appsById.values()];
  }

  user(mailOrId: string): SeedUser | undefined {
    return this.usersByKey.get(mailOrId.toLowerCase());
  }

  users(): SeedUser[] {
    return [...new Set(this.usersByKey.values())];
  }

  /** The mailbox of a user (by SMTP address or object id), when the user exists. */
  mailbox(mailOrId: string): Mailbox | undefined {
    const user = this.user(mailOrId);
    return user ? this.mailboxesByAddress.get(user.mail.toLowerCase()) : undefined;
  }

  /** Every mailbox. */
  mailboxes(): Mailbox[] {
    return [...this.mailboxesByAddress.values()];
  }

  /** The tenant that owns an e-mail domain, if any: mail to it is delivered locally. */
  tenantForDomain(domain: string): SeedTenant | undefined {
    return this.tenantsByDomain.get(domain.toLowerCase());
  }

  /** Records mail to a domain outside the simulated tenants. */
  addOutbound(message: OutboundMessage): void {
    this.outboundLog.push(message);
    if (this.outboundLog.length > MAX_OUTBOUND) this.outboundLog.splice(0, this.outboundLog.length - MAX_OUTBOUND);
  }

  outbound(): OutboundMessage[] {
    return [...this.outboundLog];
  }

  /**
   * Adds (or replaces, by id) tenants, apps and users. Seed messages are not placed here: that needs
   * the mail composer, see `seedMessages` in mail/seed-messages.ts. Returns the users added (as stored, without messages).
   */
  seedDirectory(data: Partial<SeedData>): SeedUser[] {
    for (const tenant of data.tenants ?? []) {
      const stored: SeedTenant = { ...tenant, id: tenant.id.toLowerCase() };
      this.tenantsById.set(stored.id, stored);
      for (const domain of tenant.domains) this.tenantsByDomain.set(domain.toLowerCase(), stored);
    }
    for (const app of data.apps ?? []) this.appsById.set(app.clientId.toLowerCase(), { ...app });
    const added: SeedUser[] = [];
    for (const seedUser of data.users ?? []) {
      // Seed messages go into the mailbox, not into the directory entry.
      const { messages: _messages, ...rest } = seedUser;
      const user: SeedUser = { ...rest, id: (seedUser.id ?? ids.guid()).toLowerCase() };
      const address = user.mail.toLowerCase();
      const previous = this.usersByKey.get(address);
      if (previous?.id && previous.id !== user.id) this.usersByKey.delete(previous.id);
      this.usersByKey.set(address, user);
      this.usersByKey.set(user.id!, user);
      if (!this.mailboxesByAddress.has(address)) this.mailboxesByAddress.set(address, new Mailbox(address, user.id!, user.tenantId.toLowerCase()));
      added.push(user);
    }
    return added;
  }
}

/** Reads seed data from a JSON file (the `seed` option may be a path). */
export function readSeedFile(path: string): SeedData {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MailbridgeError({ code: 'USAGE', message: `The simulator seed file ${path} cannot be read.`, hint: 'Check the path of the seed file.', cause: error });
  }
  let data: Partial<SeedData>;
  try {
    data = JSON.parse(text) as Partial<SeedData>;
  } catch (error) {
    throw new MailbridgeError({ code: 'USAGE', message: `The simulator seed file ${path} is not valid JSON: ${(error as Error).message}`, hint: 'Fix the JSON of the seed file (tenants, apps, users).', cause: error });
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new MailbridgeError({ code: 'USAGE', message: `The simulator seed file ${path} must hold an object with tenants, apps and users.`, hint: 'See SeedData in @mailbridge/simulator.' });
  }
  return { tenants: data.tenants ?? [], apps: data.apps ?? [], users: data.users ?? [] };
}
