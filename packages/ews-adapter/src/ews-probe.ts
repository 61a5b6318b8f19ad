import type { ProbeResult } from '@mailbridge/core';
import { Folder, FolderId, WellKnownFolderName } from 'ews-javascript-api';
import type { EwsRequester } from './ews-request.js';

/** `probe()` over EWS: GetFolder of the Inbox (proves sign-in, permission and mailbox). */
export async function probe(requester: EwsRequester, options: { signal?: AbortSignal } = {}): Promise<ProbeResult> {
  requester.assertOpen();
  const folder = await requester.call('idempotent', options.signal, 'GetFolder', () => Folder.Bind(requester.service, new FolderId(WellKnownFolderName.Inbox)));
  const result: ProbeResult = { mailbox: requester.mailbox, inbox: { total: folder.TotalCount, unread: folder.UnreadCount } };
  if (requester.settings.deployment === 'online') {
    result.notices = ['Exchange Online blocks EWS for apps that are not allow-listed (Set-OrganizationConfig -EwsAllowedAppIDs) since October 2026 and turns EWS off on 1 April 2027: plan the move to "transport": "graph".'];
  }
  return result;
}
