import { X509Certificate } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { type CheckOutcome, type DoctorCheck, required } from '../doctor-check.js';

/** Binds host:port for a moment: the error code when it cannot (EADDRINUSE, EACCES, EADDRNOTAVAIL). */
function tryBind(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

/** True when a mailbridge relay answers on host:port (its greeting names it): the port is in use by the relay itself. */
function servedByRelay(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port });
    let data = '';
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(2000, () => done(false));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\n') || data.length > 512) done(/^220 \S+ ESMTP mailbridge relay/.test(data));
    });
    socket.on('error', () => done(false));
  });
}

/**
 * `relay` (only with a `relay` section): the listeners' ports can be bound, the TLS certificate and
 * key load as a pair and the certificate is valid for more than 30 days, and every user's password
 * (secret reference or scrypt hash) is usable.
 */
export const relayCheck: DoctorCheck = {
  id: 'relay',
  needs: ['config'],
  skipMessage: 'Skipped: the relay section must be valid first.',
  enabled: (context) => context.loaded?.config.relay !== undefined,
  async run(context): Promise<CheckOutcome> {
    const { config } = required(context, 'loaded');
    const relay = config.relay!;
    const { loadTlsPair } = await import('@mailbridge/relay');
    const { calendarDaysUntil, resolveSecret } = await import('@mailbridge/core');
    const notes: string[] = [];

    for (const [index, listener] of relay.listen.entries()) {
      if (listener.port === 0) continue;
      const problem = await tryBind(listener.host, listener.port);
      if (problem === 'EADDRINUSE' && (await servedByRelay(listener.host, listener.port))) {
        notes.push(`${listener.host}:${listener.port} is served by a running mailbridge relay`);
        continue;
      }
      if (problem === 'EADDRINUSE') {
        return {
          status: 'fail',
          code: 'RELAY_LISTEN_FAILED',
          message: `relay.listen[${index}]: port ${listener.port} on ${listener.host} is in use.`,
          hint: `Stop the process that uses it (\`ss -ltnp 'sport = :${listener.port}'\` shows it; a relay already running there is fine), or choose another port.`,
        };
      }
      if (problem) {
        return {
          status: 'fail',
          code: 'RELAY_LISTEN_FAILED',
          message: `relay.listen[${index}]: cannot listen on ${listener.host}:${listener.port} (${problem}).`,
          hint: problem === 'EACCES' ? 'Ports below 1024 need privileges: use 2525/1587/1465, or allow node to bind them (setcap cap_net_bind_service).' : 'Check that the address belongs to this machine.',
        };
      }
    }

    if (relay.tls && relay.listen.some((listener) => listener.tls !== 'none')) {
      const { cert } = loadTlsPair(relay.tls.certFile, relay.tls.keyFile);
      const certificate = new X509Certificate(cert);
      const expires = new Date(certificate.validTo);
      const days = calendarDaysUntil(expires, context.now());
      const date = expires.toISOString().slice(0, 10);
      if (expires.getTime() <= context.now().getTime()) {
        return {
          status: 'fail',
          code: 'RELAY_TLS_INVALID',
          message: `The relay certificate expired on ${date}.`,
          hint: `Renew it and replace ${relay.tls.certFile} and ${relay.tls.keyFile}; the relay picks the new files up without a restart.`,
        };
      }
      if (days <= 30) {
        return {
          status: 'warn',
          code: 'RELAY_TLS_INVALID',
          message: `The relay certificate expires on ${date}, in ${days} day${days === 1 ? '' : 's'}.`,
          hint: `Renew it before ${date} and replace the files; the relay reloads them without a restart.`,
        };
      }
      notes.push(`certificate valid until ${date}`);
    }

    for (const [index, user] of relay.users.entries()) {
      const password = user.password;
      if (typeof password === 'object' && 'scrypt' in password) continue; // checked by the schema's shape; verified at login
      await resolveSecret(password, { env: context.env, path: `relay.users[${index}].password` });
    }

    const listeners = relay.listen.map((listener) => `${listener.host}:${listener.port} (${listener.tls})`).join(', ');
    return { status: 'pass', message: `Relay listeners ${listeners} can start or are running${notes.length ? `; ${notes.join('; ')}` : ''}; ${relay.users.length} user(s) with usable passwords.` };
  },
};
