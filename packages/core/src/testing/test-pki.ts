import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A server certificate and its key (PEM), as `https.createServer` takes them. */
export interface TestServerCredentials {
  key: string;
  cert: string;
}

/** A throw-away PKI for TLS tests: certificate authorities, server certificates they sign, and loopback servers using them. */
export interface TestPki {
  /** Makes a CA called `name`; returns the path of its certificate (PEM), e.g. for `network.caFile`. */
  ca(name: string): string;
  /**
   * A server certificate signed by the CA `ca`, for `altNames` in openssl's subjectAltName syntax
   * (`IP:127.0.0.1,DNS:localhost`).
   */
  serverCertificate(name: string, ca: string, altNames: string): TestServerCredentials;
  /**
   * Starts an HTTPS server on a free loopback port with `credentials`, answering every request with
   * `body`; returns its origin (`https://127.0.0.1:PORT`). `close()` stops it.
   */
  serve(credentials: TestServerCredentials, body?: string): Promise<string>;
  /** Stops every server `serve` started. */
  close(): Promise<void>;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * A test PKI in the folder `dir`, made with the openssl binary (core has no certificate library,
 * and its tests must not add one). Certificates are valid for two days.
 */
export function createTestPki(dir: string): TestPki {
  const openssl = (args: string[]) => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const servers: Server[] = [];
  return {
    ca(name) {
      openssl([
        'req',
        '-x509',
        ...EC_KEY,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.pem`,
        '-days',
        '2',
        '-subj',
        `/CN=mailbridge ${name}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ]);
      return join(dir, `${name}.pem`);
    },
    serverCertificate(name, ca, altNames) {
      openssl(['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
      writeFileSync(join(dir, `${name}.cnf`), `subjectAltName=${altNames}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.cnf`]);
      return { key: readFileSync(join(dir, `${name}.key`), 'utf8'), cert: readFileSync(join(dir, `${name}.pem`), 'utf8') };
    },
    async serve(credentials, body = '{}') {
      const server = createServer(credentials, (_request, response) => response.end(body));
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async close() {
      for (const server of servers.splice(0)) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}
