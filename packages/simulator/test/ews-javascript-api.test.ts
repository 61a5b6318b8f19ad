import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  AppointmentSchema,
  BasePropertySet,
  BodyType,
  ConfigurationApi,
  ConflictResolutionMode,
  ConnectingIdType,
  EmailMessage,
  EmailMessageSchema,
  ExchangeService,
  ExchangeVersion,
  Folder,
  FolderId,
  ImpersonatedUserId,
  type Item,
  ItemSchema,
  ItemView,
  MeetingMessageSchema,
  MeetingRequestSchema,
  MessageBody,
  OAuthCredentials,
  PropertySet,
  SearchFilter,
  ServiceError,
  ServiceResult,
  SyncFolderItemsScope,
  Uri,
  WellKnownFolderName,
  XhrApi,
} from 'ews-javascript-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, type EwsHarness, PASSWORD, startEwsHarness } from './support/ews-harness.js';

/**
 * ews-javascript-api, unmodified, against the simulator. Its HTTP layer (@ewsjs/xhr on axios) is
 * given the simulator's CA through the documented ConfigurationApi.ConfigureXHR hook; for NTLM,
 * whose provider builds its own agent, a child process trusts the CA with NODE_EXTRA_CA_CERTS.
 */

let sim: EwsHarness;
let service: ExchangeService;
const invalidOnPurpose = new Set<string>();

beforeAll(async () => {
  sim = await startEwsHarness({ mode: 'online' });
  ConfigurationApi.ConfigureXHR(new XhrApi({ httpsAgent: new Agent({ ca: sim.caPem, keepAlive: true }) }));
  service = new ExchangeService(ExchangeVersion.Exchange2016);
  service.Url = new Uri(sim.ewsUrl);
  service.Credentials = new OAuthCredentials(await sim.appToken());
  service.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, ALICE);
  service.HttpHeaders.Add('X-AnchorMailbox', ALICE);
  sim.log.clear();
});
afterAll(async () => {
  // Every request the library sent validated against the official schemas.
  const ews = sim.log.list().filter((entry) => entry.api === 'ews');
  expect(ews.length).toBeGreaterThan(5);
  const invalid = ews.filter((entry) => entry.schemaValid !== true && !invalidOnPurpose.has(entry.time + entry.ewsOperation));
  expect(invalid.map((entry) => [entry.ewsOperation, entry.schemaErrors])).toEqual([]);
  // ...and every answer the simulator gave validated too (the module records a failure as `response ...`).
  expect(ews.flatMap((entry) => entry.schemaErrors ?? []).filter((error) => error.startsWith('response '))).toEqual([]);
  await sim.close();
});

describe('ews-javascript-api (OAuth, app-only, impersonation)', () => {
  it('binds the Inbox and finds items with paging and a filter', async () => {
    const inbox = await Folder.Bind(service, WellKnownFolderName.Inbox);
    expect(inbox.DisplayName).toBe('Inbox');
    expect(inbox.TotalCount).toBe(3);
    const page = await service.FindItems(WellKnownFolderName.Inbox, new ItemView(2));
    expect(page.Items).toHaveLength(2);
    expect(page.MoreAvailable).toBe(true);
    expect(page.NextPageOffset).toBe(2);
    const unread = await service.FindItems(WellKnownFolderName.Inbox, new SearchFilter.IsEqualTo(EmailMessageSchema.IsRead, false), new ItemView(10));
    expect(unread.Items.map((item) => item.Subject).sort()).toEqual(['Second', 'Third with attachment']);
  });

  it('reads the Inbox with calendar and meeting properties in its property set, as libraries do for folders that may hold meeting requests', async () => {
    // (The library itself keeps AssociatedAppointmentId and MeetingRequestType out of FindItem: GetItem only.)
    const properties = (forGet = false) =>
      new PropertySet(BasePropertySet.IdOnly, [
        ItemSchema.Subject,
        EmailMessageSchema.IsRead,
        AppointmentSchema.Start,
        AppointmentSchema.End,
        ...(forGet ? [MeetingMessageSchema.AssociatedAppointmentId, MeetingRequestSchema.MeetingRequestType] : []),
      ]);
    const view = new ItemView(10);
    view.PropertySet = properties();
    const found = await service.FindItems(WellKnownFolderName.Inbox, view);
    expect(found.Items.map((item) => item.Subject).sort()).toEqual(['First & <oldest>', 'Second', 'Third with attachment']);
    const loaded = await service.BindToItems(
      found.Items.map((item) => item.Id),
      properties(true),
    );
    expect(loaded.OverallResult).toBe(ServiceResult.Success);
    expect(loaded.Responses.map((response) => response.Item.Subject).sort()).toEqual(['First & <oldest>', 'Second', 'Third with attachment']);
    expect(sim.log.list().at(-1)).toMatchObject({ ewsOperation: 'GetItem', status: 200 });

    // The same library speaking Exchange 2007 SP1 gets what an Exchange 2007 request gets.
    const old = new ExchangeService(ExchangeVersion.Exchange2007_SP1);
    old.Url = new Uri(sim.ewsUrl);
    old.Credentials = new OAuthCredentials(await sim.appToken());
    old.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, ALICE);
    const oldView = new ItemView(10);
    oldView.PropertySet = properties();
    await expect(old.FindItems(WellKnownFolderName.Inbox, oldView)).rejects.toMatchObject({ ErrorCode: ServiceError.ErrorInvalidPropertyRequest });
    const refused = await old.BindToItems(
      found.Items.map((item) => item.Id),
      properties(true),
    );
    expect(refused.Responses.map((response) => response.ErrorCode)).toEqual(Array(3).fill(ServiceError.ErrorInvalidPropertyRequest));
  });

  it('loads bodies, MIME and attachments', async () => {
    const found = await service.FindItems(WellKnownFolderName.Inbox, new ItemView(10));
    const third = found.Items.find((item) => item.Subject === 'Third with attachment')!;
    const message = await EmailMessage.Bind(service, third.Id, new PropertySet(BasePropertySet.FirstClassProperties, [ItemSchema.MimeContent]));
    expect(message.Body.Text).toContain('three');
    expect(Buffer.from(String(message.MimeContent.Content), 'base64').toString('utf8')).toContain('Subject: Third with attachment');
    expect(message.HasAttachments).toBe(true);
    const attachment = message.Attachments._getItem(0) as unknown as { Load(): Promise<void>; Base64Content: string; Name: string };
    await attachment.Load();
    expect(attachment.Name).toBe('report.txt');
    expect(Buffer.from(attachment.Base64Content, 'base64').toString('utf8')).toBe('report body');
  });

  it('sends with an attachment (SendAndSaveCopy): Bob receives it', async () => {
    const message = new EmailMessage(service);
    message.Subject = 'From ews-javascript-api';
    message.Body = new MessageBody(BodyType.Text, 'Hello Bob, see the notes.');
    message.ToRecipients.Add(BOB);
    message.Attachments.AddFileAttachment('notes.txt', Buffer.from('attached text').toString('base64'));
    await message.SendAndSaveCopy();
    const bob = sim.state.mailbox(BOB)!;
    const received = bob.messagesIn(bob.wellKnown('inbox')).find((m) => m.subject === 'From ews-javascript-api');
    expect(received?.bodyText).toBe('Hello Bob, see the notes.');
    // Exactly once: the CreateItem answer carries the new AttachmentIds, so the library does not add them again.
    expect(received?.attachments.map((a) => a.name)).toEqual(['notes.txt']);
  });

  it('an HTML body it writes unescaped is refused with ErrorSchemaValidation, as Exchange refuses it', async () => {
    // ews-javascript-api 0.15 writes MessageBody text into t:Body without XML escaping: markup becomes
    // child elements of t:Body, which types.xsd does not allow. Callers must escape (the EWS adapter does).
    const message = new EmailMessage(service);
    message.Subject = 'Raw HTML';
    message.Body = new MessageBody(BodyType.HTML, '<p>Hello</p>');
    message.ToRecipients.Add(BOB);
    await expect(message.SendAndSaveCopy()).rejects.toMatchObject({ ErrorCode: expect.anything() });
    const entry = sim.log.list().at(-1)!;
    expect(entry).toMatchObject({ ewsOperation: 'CreateItem', schemaValid: false, status: 500 });
    expect(entry.schemaErrors?.[0]).toMatch(/Body/);
    // Take it out of the afterAll check: it is the one request here that is invalid on purpose.
    invalidOnPurpose.add(entry.time + entry.ewsOperation);
  });

  it('marks read, moves, and syncs changes', async () => {
    const first = await service.SyncFolderItems(new FolderId(WellKnownFolderName.Inbox), PropertySet.IdOnly, [], 100, SyncFolderItemsScope.NormalItems, null as unknown as string);
    expect(first.Count).toBe(sim.state.mailbox(ALICE)!.wellKnown('inbox').messageIds.size);
    const found = await service.FindItems(WellKnownFolderName.Inbox, new ItemView(10));
    const second = await EmailMessage.Bind(service, found.Items.find((item) => item.Subject === 'Second')!.Id);
    second.IsRead = true;
    await second.Update(ConflictResolutionMode.AutoResolve);
    const moved = (await (found.Items.find((item) => item.Subject === 'Third with attachment') as Item).Move(WellKnownFolderName.JunkEmail)) as Item;
    expect(moved.Id.UniqueId).toBeTruthy();
    const delta = await service.SyncFolderItems(new FolderId(WellKnownFolderName.Inbox), PropertySet.IdOnly, [], 100, SyncFolderItemsScope.NormalItems, first.SyncState);
    const kinds = delta.GetEnumerator().map((change) => change.ChangeType);
    // ChangeType: 1 = Update, 2 = Delete, 3 = ReadFlagChange.
    expect(kinds.sort()).toEqual([2, 3]);
  });
});

describe('ews-javascript-api over NTLM (on-premises mode)', () => {
  it('authenticates with NTLMv2 through its own provider and reads the Inbox', async () => {
    const onprem = await startEwsHarness({ mode: 'onprem' });
    const dir = await mkdtemp(join(tmpdir(), 'ews-ntlm-'));
    try {
      const caFile = join(dir, 'ca.pem');
      await writeFile(caFile, onprem.caPem);
      const script = fileURLToPath(new URL('./support/ews-ntlm-child.mjs', import.meta.url));
      const { stdout } = await promisify(execFile)(process.execPath, [script, onprem.ewsUrl, 'CONTOSO\\alice', PASSWORD], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        timeout: 60_000,
      });
      expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ displayName: 'Inbox', total: 3 });
      const entries = onprem.log.list().filter((entry) => entry.api === 'ews');
      expect(entries.map((entry) => entry.status)).toContain(401);
      expect(entries.at(-1)).toMatchObject({ status: 200, ewsOperation: 'GetFolder', schemaValid: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
      await onprem.close();
    }
  });
});
