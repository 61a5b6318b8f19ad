// Child process for ews-javascript-api's NTLM test (test/ews-javascript-api.test.ts): its NTLM
// provider creates its own https agent, so the CA is trusted through NODE_EXTRA_CA_CERTS here.
// Usage: node ews-ntlm-child.mjs <ewsUrl> <DOMAIN\user> <password>; prints one JSON line.
import ews from 'ews-javascript-api';

const [url, user, password] = process.argv.slice(2);
ews.ConfigurationApi.ConfigureXHR(new ews.XhrApi().useNtlmAuthentication(user, password));
const service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2016);
service.Url = new ews.Uri(url);
service.Credentials = new ews.WebCredentials(user, password);
const inbox = await ews.Folder.Bind(service, ews.WellKnownFolderName.Inbox);
console.log(JSON.stringify({ displayName: inbox.DisplayName, total: inbox.TotalCount }));
