/**
 * The environment variables mailbridge reads, as help texts and the README list them. Kept here as
 * text (not imported from core, whose loader reads them) so `--help` loads nothing heavy; a test
 * checks the overrides against core's `ENV_OVERRIDES`.
 */

/** One variable in an ENVIRONMENT section. */
export interface EnvironmentEntry {
  name: string;
  description: string;
}

/** The config file's location and the `MAILBRIDGE_*` overrides core's config loader applies. */
export const CONFIG_ENVIRONMENT: readonly EnvironmentEntry[] = [
  { name: 'MAILBRIDGE_CONFIG', description: 'the config file when --config is not given (default ./mailbridge.json)' },
  { name: 'MAILBRIDGE_TRANSPORT', description: 'replaces "transport" of the config file (graph or ews)' },
  { name: 'MAILBRIDGE_MAILBOX', description: 'replaces "mailbox"' },
  { name: 'MAILBRIDGE_TENANT', description: 'replaces "auth.tenant"' },
  { name: 'MAILBRIDGE_CLIENT_ID', description: 'replaces "auth.clientId"' },
  {
    name: 'MAILBRIDGE_CLIENT_SECRET',
    description:
      'the client secret: "auth.clientSecret" becomes {"env": "MAILBRIDGE_CLIENT_SECRET"} and replaces the certificate (or clientAssertionFile) of the file; with auth.flow device-code, basic or ntlm it is ignored, with a warning',
  },
];

/** What the overrides have in common, printed under them. */
export const CONFIG_ENVIRONMENT_NOTE =
  'An empty variable counts as unset. Without --config and MAILBRIDGE_CONFIG, when ./mailbridge.json does not exist and MAILBRIDGE_TRANSPORT and MAILBRIDGE_MAILBOX are set, the config comes from these variables alone.';

/** The network and terminal variables. */
export const NETWORK_ENVIRONMENT: readonly EnvironmentEntry[] = [
  { name: 'HTTPS_PROXY, HTTP_PROXY', description: 'the proxy when network.proxy is not set (https_proxy / http_proxy first, as curl does)' },
  { name: 'NO_PROXY', description: 'hosts that bypass the proxy, also a network.proxy one' },
  { name: 'NODE_EXTRA_CA_CERTS', description: 'more CA certificates (PEM), trusted together with network.caFile' },
];

/** Colour. */
export const TERMINAL_ENVIRONMENT: readonly EnvironmentEntry[] = [{ name: 'NO_COLOR', description: 'no colours, as --no-color (any non-empty value)' }];

/** `mailbridge login` opens the sign-in page with it. */
export const BROWSER_ENVIRONMENT: readonly EnvironmentEntry[] = [{ name: 'BROWSER', description: 'the command `login` opens the sign-in page with (authorization code; %s stands for the URL, else it is appended)' }];
