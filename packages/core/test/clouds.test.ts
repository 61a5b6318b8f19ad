import { describe, expect, it } from 'vitest';
import { CLOUDS } from '../src/cloud/clouds.js';
import { resolveEndpoints } from '../src/cloud/resolve-endpoints.js';
import { tokenScopes } from '../src/cloud/token-scopes.js';

describe('CLOUDS', () => {
  // Values from Microsoft Graph "National cloud deployments" (authority and Graph roots) and the
  // Exchange Online endpoints of each cloud (EWS host = token resource).
  it("holds Microsoft's published endpoints for each national cloud", () => {
    expect(CLOUDS).toEqual({
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
    });
  });

  it('every EWS endpoint lives on its token resource, so a token is for the host it is sent to', () => {
    for (const cloud of Object.values(CLOUDS)) {
      expect(new URL(cloud.ews).origin).toBe(cloud.ewsResource);
      expect(cloud.graph).toBe(cloud.graphResource);
      for (const url of [cloud.authorityHost, cloud.graph, cloud.ews]) expect(new URL(url).protocol).toBe('https:');
    }
  });
});

describe('resolveEndpoints', () => {
  it('uses the cloud, global by default', () => {
    expect(resolveEndpoints({})).toEqual(CLOUDS.global);
    expect(resolveEndpoints({ cloud: 'china' })).toEqual(CLOUDS.china);
  });

  it('applies overrides to where it connects, never to the token audience', () => {
    const resolved = resolveEndpoints({
      cloud: 'usgov',
      endpoints: { authorityHost: 'https://127.0.0.1:8443/', graph: 'https://127.0.0.1:8443/graph/', ews: 'https://127.0.0.1:8443/EWS/Exchange.asmx' },
    });
    expect(resolved).toEqual({
      authorityHost: 'https://127.0.0.1:8443',
      graph: 'https://127.0.0.1:8443/graph',
      ews: 'https://127.0.0.1:8443/EWS/Exchange.asmx',
      graphResource: 'https://graph.microsoft.us',
      ewsResource: 'https://outlook.office365.us',
    });
  });

  it('overrides one endpoint and keeps the others of the cloud', () => {
    expect(resolveEndpoints({ cloud: 'usgov-dod', endpoints: { ews: 'https://mail.example.mil/EWS/Exchange.asmx' } })).toEqual({
      ...CLOUDS['usgov-dod'],
      ews: 'https://mail.example.mil/EWS/Exchange.asmx',
    });
  });
});

describe('tokenScopes', () => {
  it("asks app-only tokens for the cloud resource's /.default", () => {
    expect(tokenScopes(CLOUDS.global, 'graph', 'app-only')).toEqual(['https://graph.microsoft.com/.default']);
    expect(tokenScopes(CLOUDS.global, 'ews', 'app-only')).toEqual(['https://outlook.office365.com/.default']);
    expect(tokenScopes(CLOUDS.usgov, 'ews', 'app-only')).toEqual(['https://outlook.office365.us/.default']);
    expect(tokenScopes(CLOUDS.china, 'graph', 'app-only')).toEqual(['https://microsoftgraph.chinacloudapi.cn/.default']);
  });

  it('names delegated permissions with the cloud resource, plus offline_access', () => {
    expect(tokenScopes(CLOUDS['usgov-dod'], 'graph', 'delegated')).toEqual(['https://dod-graph.microsoft.us/Mail.ReadWrite', 'https://dod-graph.microsoft.us/Mail.Send', 'offline_access']);
    expect(tokenScopes(CLOUDS.global, 'ews', 'delegated')).toEqual(['https://outlook.office365.com/EWS.AccessAsUser.All', 'offline_access']);
  });

  it('keeps the cloud audience when endpoints point at a simulator', () => {
    const endpoints = resolveEndpoints({ endpoints: { graph: 'https://127.0.0.1:1234' } });
    expect(tokenScopes(endpoints, 'graph', 'app-only')).toEqual(['https://graph.microsoft.com/.default']);
  });
});
