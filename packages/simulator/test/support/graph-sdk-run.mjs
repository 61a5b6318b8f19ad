// Runs in a child process started with NODE_EXTRA_CA_CERTS=<simulator CA>: the Microsoft libraries,
// unmodified, against the simulator. Prints one JSON object of observations to stdout.
import { ConfidentialClientApplication } from '@azure/msal-node';
import { BatchRequestContent, Client, FileUpload, LargeFileUploadTask, PageIterator } from '@microsoft/microsoft-graph-client';

const { url, tenant, clientId, secret, mailbox, to } = JSON.parse(process.argv[2]);
const out = {};

const msal = new ConfidentialClientApplication({
  auth: { clientId, authority: `${url}/${tenant}`, knownAuthorities: [new URL(url).host], clientSecret: secret },
});
let tokenRequests = 0;
const client = Client.initWithMiddleware({
  baseUrl: `${url}/`,
  customHosts: new Set([new URL(url).hostname]),
  authProvider: {
    async getAccessToken() {
      tokenRequests++;
      const result = await msal.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
      return result.accessToken;
    },
  },
});

const page = await client.api(`/users/${mailbox}/messages`).select('subject,isRead').top(2).get();
out.firstPage = { count: page.value.length, hasNext: typeof page['@odata.nextLink'] === 'string' };

const subjects = [];
const iterator = new PageIterator(client, await client.api(`/users/${mailbox}/mailFolders/inbox/messages`).select('subject').top(1).get(), (message) => {
  subjects.push(message.subject);
  return subjects.length < 50;
});
await iterator.iterate();
out.iterated = subjects;

await client.api(`/users/${mailbox}/sendMail`).post({
  message: { subject: 'sdk send', body: { contentType: 'Text', content: 'from the SDK' }, toRecipients: [{ emailAddress: { address: to } }] },
  saveToSentItems: true,
});

const draft = await client.api(`/users/${mailbox}/messages`).post({ subject: 'sdk large attachment', toRecipients: [{ emailAddress: { address: to } }] });
const size = 5 * 1024 * 1024 + 17;
const content = Buffer.alloc(size, 7);
const session = await LargeFileUploadTask.createUploadSession(client, `${url}/v1.0/users/${mailbox}/messages/${draft.id}/attachments/createUploadSession`, {
  AttachmentItem: { attachmentType: 'file', name: 'large.bin', size },
});
const task = new LargeFileUploadTask(client, new FileUpload(content, 'large.bin', size), session, { rangeSize: 2 * 1024 * 1024 });
const uploaded = await task.upload();
out.upload = { location: uploaded.location ?? null };
await client.api(`/users/${mailbox}/messages/${draft.id}/send`).post({});

try {
  await client.api(`/users/nobody@${mailbox.split('@')[1]}/messages`).get();
  out.error = null;
} catch (error) {
  out.error = { statusCode: error.statusCode, code: error.code, requestId: error.requestId ?? null };
}

const batch = new BatchRequestContent([
  { id: '1', request: new Request(`${url}/v1.0/users/${mailbox}/mailFolders/inbox`, { method: 'GET' }) },
  { id: '2', request: new Request(`${url}/v1.0/users/${mailbox}/messages?$top=1`, { method: 'GET' }), dependsOn: ['1'] },
]);
const batchResponse = await client.api('/$batch').post(await batch.getContent());
out.batch = batchResponse.responses.map((r) => ({ id: r.id, status: r.status }));

let delta = await client.api(`/users/${mailbox}/mailFolders/inbox/messages/delta`).header('Prefer', 'odata.maxpagesize=2').get();
let deltaCount = delta.value.length;
for (let i = 0; i < 50 && delta['@odata.nextLink']; i++) {
  delta = await client.api(delta['@odata.nextLink']).header('Prefer', 'odata.maxpagesize=2').get();
  deltaCount += delta.value.length;
}
out.delta = { count: deltaCount, hasDeltaLink: typeof delta['@odata.deltaLink'] === 'string' };
out.tokenRequests = tokenRequests;
process.stdout.write(JSON.stringify(out));
