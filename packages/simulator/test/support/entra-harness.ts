/**
 * Test support for the Entra module: a minimal HTTPS server on loopback that mounts it (with a CA
 * generated here), an in-memory directory with a movable clock, and an msal-node network client
 * that trusts only that CA. Certificates and keys come from node:crypto + node-forge.
 */
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import forge from 'node-forge';
import { createEntraModule, type EntraModule } from '../../src/entra/index.js';
import type { Directory } from '../../src/state/directory.js';
import type { SeedApp, SeedData, SeedTenant, SeedUser } from '../../src/types.js';

/** A PEM key pair and a certificate over it. */
export interface TestCertificate {
  certPem: string;
  keyPem: string;
  /** SHA-1 thumbprint, hex upper case (what the portal shows). */
  thumbprint: string;
  thumbprintSha256: string;
}

function forgeKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    keyPem,
    forgePrivate: forge.pki.privateKeyFromPem(keyPem),
    forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
}

/** A certificate, self-signed or signed by `issuer`. */
export function makeCertificate(options: { commonName: string; issuer?: { certPem: string; keyPem: string }; ca?: boolean; ip?: string; notBefore?: Date; notAfter?: Date }): TestCertificate {
  const keys = forgeKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.forgePublic;
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(8));
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 3600_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: options.commonName }]);
  const extensions: object[] = [];
  if (options.ca) extensions.push({ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true });
  if (options.ip)
    extensions.push({
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: options.ip },
        { type: 2, value: 'localhost' },
      ],
    });
  if (extensions.length > 0) cert.setExtensions(extensions);
  if (options.issuer) {
    cert.setIssuer(forge.pki.certificateFromPem(options.issuer.certPem).subject.attributes);
    cert.sign(forge.pki.privateKeyFromPem(options.issuer.keyPem), forge.md.sha256.create());
  } else {
    cert.setIssuer(cert.subject.attributes);
    cert.sign(keys.forgePrivate, forge.md.sha256.create());
  }
  const certPem = forge.pki.certificateToPem(cert);
  const der = new X509Certificate(certPem).raw;
  return {
    certPem,
    keyPem: keys.keyPem,
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
    thumbprintSha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
  };
}

/** An in-memory directory with a clock that tests can move. */
export class TestDirectory implements Directory {
  skewMs = 0;
  constructor(readonly data: SeedData) {}
  tenant(idOrDomain: string): SeedTenant | undefined {
    const key = idOrDomain.toLowerCase();
    return this.data.tenants.find((t) => t.id.toLowerCase() === key || t.domains.some((d) => d.toLowerCase() === key));
  }
  tenants(): SeedTenant[] {
    return this.data.tenants;
  }
  app(clientId: string): SeedApp | undefined {
    return this.data.apps.find((a) => a.clientId.toLowerCase() === clientId.toLowerCase());
  }
  user(mailOrId: string): SeedUser | undefined {
    const key = mailOrId.toLowerCase();
    return this.data.users.find((u) => u.mail.toLowerCase() === key || u.id?.toLowerCase() === key);
  }
  now(): number {
    return Date.now() + this.skewMs;
  }
}

/** A plain HTTPS answer. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any;
}

/** An HTTPS request trusting only `ca`. */
export function httpsCall(url: string, ca: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: init.method ?? 'GET', ca, headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers, text, json });
      });
    });
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** msal-node's network client over node:https, trusting only the simulator's CA. */
export function msalNetwork(ca: string): INetworkModule {
  async function send<T>(method: string, url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const init: { method: string; headers?: Record<string, string>; body?: string } = { method };
    if (options?.headers) init.headers = options.headers;
    if (options?.body !== undefined) init.body = options.body;
    const res = await httpsCall(url, ca, init);
    return { status: res.status, headers: res.headers, body: res.json as T };
  }
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

/** A running Entra module behind HTTPS. */
export interface EntraHarness {
  baseUrl: string;
  host: string;
  caPem: string;
  entra: EntraModule;
  directory: TestDirectory;
  /** POST a form to a path of the simulator. */
  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<RawResponse>;
  get(path: string): Promise<RawResponse>;
  close(): Promise<void>;
}

let tls: { ca: TestCertificate; server: TestCertificate } | undefined;

/** Starts an HTTPS server on 127.0.0.1:0 that serves only the Entra module. */
export async function startEntraHarness(seed: SeedData, options: { deviceCodeIntervalSeconds?: number } = {}): Promise<EntraHarness> {
  if (!tls) {
    const ca = makeCertificate({ commonName: 'mailbridge test CA', ca: true });
    tls = { ca, server: makeCertificate({ commonName: '127.0.0.1', ip: '127.0.0.1', issuer: ca }) };
  }
  const directory = new TestDirectory(seed);
  let entra: EntraModule | undefined;
  const server: Server = createServer({ key: tls.server.keyPem, cert: tls.server.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', `https://${req.headers.host ?? '127.0.0.1'}`);
      const simRequest = { method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.concat(chunks), raw: req };
      if (!entra || !entra.matches(simRequest)) {
        res.writeHead(404).end();
        return;
      }
      entra.handle(simRequest).then(
        (answer) => {
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body as string | Buffer | undefined);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `https://127.0.0.1:${port}`;
  entra = createEntraModule({ directory, baseUrl, ...options });
  const caPem = tls.ca.certPem;
  return {
    baseUrl,
    host: `127.0.0.1:${port}`,
    caPem,
    entra,
    directory,
    post: (path, form, headers) =>
      httpsCall(`${baseUrl}${path}`, caPem, {
        method: 'POST',
        body: new URLSearchParams(form).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      }),
    get: (path) => httpsCall(`${baseUrl}${path}`, caPem),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Decodes a JWT's claims (no verification: tests verify through the JWKS or `verify()`). */
export function claimsOf(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
}
