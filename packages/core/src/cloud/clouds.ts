/** The national clouds mailbridge knows. */
export type CloudName = 'global' | 'usgov' | 'usgov-dod' | 'china';

/** Endpoints and token resources of one cloud. */
export interface CloudEndpoints {
  /** Entra ID authority host (no tenant), e.g. `https://login.microsoftonline.com`. */
  authorityHost: string;
  /** Microsoft Graph root (no version), e.g. `https://graph.microsoft.com`. */
  graph: string;
  /** The EWS endpoint URL. */
  ews: string;
  /** Resource URI whose `/.default` scope gives Graph app-only tokens. */
  graphResource: string;
  /** Resource URI of Exchange Online (EWS tokens): `/.default` for app-only, `/EWS.AccessAsUser.All` delegated. */
  ewsResource: string;
}

/**
 * National-cloud endpoints. Authority hosts and Graph roots are those of Microsoft Graph's "National
 * cloud deployments" page (GCC High = "US Government L4", DoD = "L5"; both sign in at
 * login.microsoftonline.us). EWS lives on each cloud's Exchange Online host (outlook.office365.us,
 * outlook-dod.office365.us, partner.outlook.cn for 21Vianet), which is also its token resource.
 * Microsoft 365 GCC (moderate) tenants use the global endpoints: `global`.
 */
export const CLOUDS: Readonly<Record<CloudName, Readonly<CloudEndpoints>>> = {
  global: {
    authorityHost: 'https://login.microsoftonline.com',
    graph: 'https://graph.microsoft.com',
    ews: 'https://outlook.office365.com/EWS/Exchange.asmx',
    graphResource: 'https://graph.microsoft.com',
    ewsResource: 'https://outlook.office365.com',
  },
  usgov: {
    authorityHost: 'https://login.microsoftonline.us',
    graph: 'https://graph.microsoft.us',
    ews: 'https://outlook.office365.us/EWS/Exchange.asmx',
    graphResource: 'https://graph.microsoft.us',
    ewsResource: 'https://outlook.office365.us',
  },
  'usgov-dod': {
    authorityHost: 'https://login.microsoftonline.us',
    graph: 'https://dod-graph.microsoft.us',
    ews: 'https://outlook-dod.office365.us/EWS/Exchange.asmx',
    graphResource: 'https://dod-graph.microsoft.us',
    ewsResource: 'https://outlook-dod.office365.us',
  },
  china: {
    authorityHost: 'https://login.chinacloudapi.cn',
    graph: 'https://microsoftgraph.chinacloudapi.cn',
    ews: 'https://partner.outlook.cn/EWS/Exchange.asmx',
    graphResource: 'https://microsoftgraph.chinacloudapi.cn',
    ewsResource: 'https://partner.outlook.cn',
  },
};

/** The API a token is for. A Graph token is never sent to EWS, nor the reverse. */
export type TokenResource = 'graph' | 'ews';
