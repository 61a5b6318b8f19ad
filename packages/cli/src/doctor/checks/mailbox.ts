import { type DoctorCheck, required } from '../doctor-check.js';

/** `mailbox`: the transport's probe reaches the mailbox with these credentials. */
export const mailboxCheck: DoctorCheck = {
  id: 'mailbox',
  needs: ['token', 'permissions'],
  skipMessage: 'Skipped: the mailbox must be reachable first.',
  async run(context) {
    const { config } = required(context, 'loaded');
    const transport = await required(context, 'runtime').transport();
    context.transport = transport;
    let probe;
    try {
      probe = await transport.probe();
    } catch (error) {
      // A send-only token may not open the Inbox. Graph still resolved the mailbox (an unknown one is
      // a 404) and an access policy or RBAC scope would have said so ("Access to OData is disabled"):
      // what is left is the missing read permission the permissions check already reported.
      const code = (error as { code?: unknown }).code;
      if (context.allowed?.read === false && code === 'AUTH_MISSING_PERMISSION') {
        return {
          status: 'warn',
          message: `${config.mailbox} was found, but the token may not read it (no Mail.Read or Mail.ReadWrite), so its Inbox was not opened. Whether the app may send from it is proven by \`doctor --send-test\`.`,
          hint: 'Nothing to do for an app that only sends. To let doctor look into the mailbox (and `mailbridge receive` work), add Mail.ReadWrite (or Mail.Read) and grant admin consent.',
          code: 'AUTH_MISSING_PERMISSION',
        };
      }
      throw error;
    }
    const counts = probe.inbox?.total !== undefined ? ` Inbox: ${probe.inbox.total} messages, ${probe.inbox.unread ?? 0} unread.` : '';
    const ewsOnline = config.transport === 'ews' && config.auth.flow !== 'basic' && config.auth.flow !== 'ntlm';
    if (ewsOnline) {
      return {
        status: 'warn',
        message: `${probe.mailbox} is reachable over EWS.${counts} EWS in Exchange Online is blocked for apps not on the tenant's allow list since 2026-10-01 and switched off on 2027-04-01.`,
        hint:
          config.auth.flow === 'client-credentials'
            ? 'Move to Microsoft Graph: set "transport": "graph", add the Graph application permissions Mail.Send and Mail.ReadWrite, and have an administrator click "Grant admin consent". (Exchange Server on-premises keeps EWS.)'
            : 'Move to Microsoft Graph: set "transport": "graph" and add the delegated Graph permissions Mail.Send, Mail.ReadWrite and User.Read to the app (API permissions > Microsoft Graph > Delegated permissions), then run `mailbridge login` again to consent to them. (Exchange Server on-premises keeps EWS.)',
      };
    }
    return { status: 'pass', message: `${probe.mailbox} is reachable over ${config.transport === 'ews' ? 'EWS' : 'Graph'}.${counts}` };
  },
};
