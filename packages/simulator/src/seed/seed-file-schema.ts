import * as z from 'zod';
import { faultSchema } from './fault-schema.js';

/**
 * Application permissions a seeded app may hold: Microsoft Graph's mail roles, and EWS's
 * `full_access_as_app` (Office 365 Exchange Online). The resource follows from the name.
 */
export const SEED_APP_PERMISSIONS = ['Mail.Send', 'Mail.Read', 'Mail.ReadWrite', 'Mail.ReadBasic', 'full_access_as_app'] as const;

/** A permission name of {@link SEED_APP_PERMISSIONS}. */
export type SeedAppPermissionName = (typeof SEED_APP_PERMISSIONS)[number];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ADDRESS = /^[^@\s<>"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

const guid = z.string().regex(GUID, 'expected a GUID such as "6f1c2e2a-0b7d-4c3e-9a51-2d8e4f6a7b90"');
const address = z.string().max(254).regex(ADDRESS, 'expected an e-mail address such as "alerts@contoso.onmicrosoft.com"');
/** A date (`2027-01-31`) or date-time (`2027-01-31T12:00:00Z`); YAML's unquoted dates arrive as Date objects. */
const date = z.preprocess(
  (value) => (value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : value),
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/, 'expected a date such as "2027-01-31" (or an ISO 8601 date-time)')
    .refine((value) => !Number.isNaN(Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value)), 'is not a real date'),
);

/** One app registration to seed (in the sandbox tenant), and the config the sandbox writes for it. */
export const seedFileAppSchema = z.strictObject({
  /** Names the app and its config file (`mailbridge.sandbox.<name>.json`): lower case, digits, dashes. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'expected a short name of lower-case letters, digits and dashes (it names the config file), e.g. "send-only"'),
  /** Application (client) id; default: a GUID derived from the name, the same at every start. */
  clientId: guid.optional(),
  displayName: z.string().min(1).max(120).optional(),
  /** The transport of the config written for the app. @default "graph" */
  transport: z.enum(['graph', 'ews']).default('graph'),
  /** The mailbox of the config written for the app. @default the demo mailbox */
  mailbox: address.optional(),
  /** Application permissions added to the app. @default ["Mail.Send", "Mail.ReadWrite", "full_access_as_app"] */
  permissions: z.array(z.enum(SEED_APP_PERMISSIONS)).max(10).optional(),
  /**
   * Whether an administrator clicked "Grant admin consent": `false` for none (the token carries no
   * roles), or the list of the permissions consented to. @default true
   */
  adminConsent: z.union([z.boolean(), z.array(z.enum(SEED_APP_PERMISSIONS)).max(10)], { error: 'expected true, false, or the list of permissions an administrator consented to' }).default(true),
  /** When Entra ID considers the client secret expired (a past date: token requests fail with AADSTS7000222). @default a year from today */
  secretExpiresAt: date.optional(),
  /** What the written config says in auth.secretExpiresAt, when it differs from the real expiry (a wrong date, as people copy them). @default secretExpiresAt */
  configSecretExpiresAt: date.optional(),
  /** RBAC for Applications / Application Access Policy: the only mailboxes the app may act on (others answer access denied). */
  mailboxScope: z.array(address).min(1).max(100).optional(),
});

/** A mailbox (user) to seed in the sandbox tenant. */
export const seedFileMailboxSchema = z.strictObject({
  address,
  displayName: z.string().min(1).max(120).optional(),
  /** false: the mailbox is inactive, soft-deleted or on-premises (Graph answers MailboxNotEnabledForRESTAPI). @default true */
  enabled: z.boolean().default(true),
  /** Messages placed in the mailbox (Inbox unless `folder` says otherwise). */
  messages: z
    .array(
      z.strictObject({
        folder: z.enum(['inbox', 'sentitems', 'drafts', 'deleteditems', 'archive', 'junkemail']).optional(),
        from: z.string().min(3).max(320),
        to: z.array(z.string().min(3).max(320)).max(100).optional(),
        subject: z.string().max(998),
        text: z.string().max(1_000_000).optional(),
        html: z.string().max(1_000_000).optional(),
        isRead: z.boolean().optional(),
        receivedAt: date.optional(),
      }),
    )
    .max(10_000)
    .optional(),
});

/**
 * The seed file of `mailbridge sandbox --seed FILE` (JSON or YAML): app registrations, mailboxes and
 * faults added to the demo tenant, so that an admin can see what `doctor` says about a set-up
 * before production does.
 */
export const seedFileSchema = z.strictObject({
  $schema: z.string().optional(),
  apps: z.array(seedFileAppSchema).max(50).default([]),
  mailboxes: z.array(seedFileMailboxSchema).max(1000).default([]),
  faults: z.array(faultSchema).max(100).default([]),
});

/** A seed file as written (what the schema accepts). */
export type SeedFileInput = z.input<typeof seedFileSchema>;
/** A seed file once checked, defaults applied. */
export type SeedFile = z.output<typeof seedFileSchema>;
/** One checked app of a seed file. */
export type SeedFileApp = z.output<typeof seedFileAppSchema>;
