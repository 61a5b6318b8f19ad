import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { createCliLogger } from '../output/cli-logger.js';
import { UsageError } from '../output/render-error.js';
import { withSpinner } from '../output/spinner.js';
import { renderTable } from '../output/table.js';
import { terminalText } from '../output/terminal-text.js';
import { createRuntime, loadCliConfig } from './runtime.js';

export async function tokenCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  const loaded = await loadCliConfig(globals, io.env);
  const { config } = loaded;
  if (config.auth.flow === 'basic' || config.auth.flow === 'ntlm') {
    throw new UsageError(`auth.flow "${config.auth.flow}" uses no token.`, 'Tokens exist for the client-credentials, device-code and authorization-code flows only.');
  }
  const runtime = await createRuntime(loaded, { logger: await createCliLogger(io) });
  try {
    const resource = config.transport === 'ews' ? 'ews' : 'graph';
    const token = await withSpinner(io, 'Acquiring a token…', () => runtime.tokens.getToken(resource));
    if (options.raw) {
      // The one place the token itself is printed, because it was asked for.
      io.stdout.write(`${token.token}\n`);
      return 0;
    }
    const { aud, iss, tid, appid, azp, roles, scp, exp } = token.claims;
    const claims = { aud, iss, tid, ...(appid ? { appid } : {}), ...(azp ? { azp } : {}), ...(roles ? { roles } : {}), ...(scp ? { scp } : {}), exp };
    if (io.json) {
      io.printJson({ ok: true, transport: config.transport, expiresAt: token.expiresAt.toISOString(), claims });
      return 0;
    }
    const c = io.colors;
    const rows = [
      ['aud', aud],
      ['iss', iss],
      ['tid', tid],
      ...(appid ? [['appid', appid]] : []),
      ...(azp ? [['azp', azp]] : []),
      ...(roles ? [['roles', roles.join(', ')]] : []),
      ...(scp ? [['scp', scp]] : []),
      ['exp', `${exp} (${token.expiresAt.toISOString()})`],
    ].map(([key, value]) => [c.bold(key ?? ''), terminalText(value ?? '')]);
    io.out(`${c.green('✔')} ${runtime.tokens.kind === 'app-only' ? 'App-only' : 'Delegated'} token for ${config.transport === 'ews' ? 'EWS' : 'Graph'}:`);
    for (const line of renderTable(rows, { indent: '  ' })) io.out(line);
    return 0;
  } finally {
    await runtime.close();
  }
}
