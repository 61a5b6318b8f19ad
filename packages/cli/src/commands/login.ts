import { createInterface } from 'node:readline';
import type { DelegatedTokenProvider, DeviceCodeInfo, SignedInAccount, SignInResult, SignInUrlInfo } from '@mailbridge/core';
import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { createCliLogger } from '../output/cli-logger.js';
import { UsageError } from '../output/render-error.js';
import { startSpinner } from '../output/spinner.js';
import { terminalText } from '../output/terminal-text.js';
import { hasBrowser, openBrowser } from './open-browser.js';
import { type CliRuntime, createRuntime, loadCliConfig } from './runtime.js';

/** The account fields `login --json` and `logout --json` print (PRODUCT.md). */
function accountJson(account: SignedInAccount): { username: string; tenantId: string; homeAccountId: string } {
  return { username: account.username, tenantId: account.tenantId, homeAccountId: account.homeAccountId };
}

/** Loads the config and its delegated token provider; any other flow is a usage error. */
async function delegatedRuntime(io: CliIo, globals: GlobalOptions, command: 'login' | 'logout'): Promise<{ runtime: CliRuntime; tokens: DelegatedTokenProvider }> {
  const loaded = await loadCliConfig(globals, io.env);
  const { config } = loaded;
  if (config.auth.flow !== 'device-code' && config.auth.flow !== 'authorization-code') {
    throw new UsageError(
      `\`mailbridge ${command}\` is for delegated sign-in, but ${loaded.path ?? 'the config'} uses auth.flow "${config.auth.flow}".`,
      config.auth.flow === 'client-credentials'
        ? 'App-only (client-credentials) needs no sign-in: `mailbridge doctor` checks its credential. For a person\'s mailbox (e.g. Outlook.com), set "auth": {"flow": "device-code", "tenant": "consumers", "clientId": "<public client app id>"} or "flow": "authorization-code" (sign-in in a browser).'
        : 'Basic and NTLM sign in with the configured password. Delegated sign-in needs "auth": {"flow": "device-code", ...} or {"flow": "authorization-code", ...}.',
    );
  }
  const runtime = await createRuntime(loaded, { logger: await createCliLogger(io) });
  const { isDelegatedTokenProvider } = await import('@mailbridge/core');
  if (!isDelegatedTokenProvider(runtime.tokens)) {
    await runtime.close();
    throw new UsageError('This version of @mailbridge/core has no delegated sign-in.', 'Update @mailbridge/core to the version of this CLI.');
  }
  return { runtime, tokens: runtime.tokens };
}

/** The longest address a person may paste: Entra's answers are a few kilobytes at most. */
const MAX_PASTE_CHARS = 16_384;

/**
 * `mailbridge login`: signs a person in and keeps the sign-in in `auth.tokenCache`.
 * - device code: shows the verification URL and the code (on stdout; on stderr with --json, whose
 *   stdout holds only the result) and waits with a spinner until the person signs in;
 * - authorization code: with a browser at hand, opens (and prints) the sign-in URL and receives the
 *   answer on a loopback listener; with `--no-browser`, without a display, or with a non-loopback
 *   redirect URI (the nativeclient page), prints the URL and asks for the address the browser ended on.
 * Ctrl-C cancels (AUTH_DECLINED).
 */
export async function loginCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  const { runtime, tokens } = await delegatedRuntime(io, globals, 'login');
  const { config } = runtime.loaded;
  const c = io.colors;
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let spinner: Awaited<ReturnType<typeof startSpinner>> | undefined;
  try {
    let result: SignInResult;
    if (tokens.flow === 'authorization-code') {
      const browser = options.browser !== false && hasBrowser(io.env);
      const say = (line = ''): void => {
        if (io.json) io.stderr.write(`${line}\n`);
        else io.out(line);
      };
      result = await tokens.signIn({
        signal: controller.signal,
        paste: !browser,
        onSignInUrl: async (info: SignInUrlInfo) => {
          if (info.mode === 'loopback') {
            const opened = await openBrowser(info.url, io.env);
            say(opened ? 'Sign in in the browser window that opened. If none did, open this address:' : 'Open this address in a browser on this machine to sign in:');
            say();
            say(`    ${c.cyan(info.url)}`);
            say();
            spinner = await startSpinner(io, 'Waiting for the browser to come back… (Ctrl-C to cancel)');
          } else {
            say('Open this address in a browser (on any device) and sign in:');
            say();
            say(`    ${c.cyan(info.url)}`);
            say();
            say(c.dim(`Sign in as the person whose mailbox is ${config.mailbox}. The browser then ends on a blank page (or one that cannot load):`));
            say(c.dim('copy the whole address from its address bar. It is not shown again as you paste it.'));
          }
        },
        readRedirect: () => readPastedAddress(io),
      });
    } else {
      const showCode = async (info: DeviceCodeInfo): Promise<void> => {
        const until = info.expiresAt.toISOString().slice(11, 16);
        if (io.json) {
          // stdout carries only the JSON result; the person still needs the code.
          io.stderr.write(`To sign in, open ${info.verificationUri} and enter the code ${info.userCode} (valid until ${until} UTC).\n`);
        } else {
          io.out(`To sign in, open ${c.cyan(c.underline(info.verificationUri))} in a browser and enter the code:`);
          io.out();
          io.out(`    ${c.bold(info.userCode)}`);
          io.out();
          io.out(c.dim(`The code is valid until ${until} UTC. Sign in as the person whose mailbox is ${config.mailbox}.`));
        }
        spinner = await startSpinner(io, 'Waiting for you to sign in… (Ctrl-C to cancel)');
      };
      let shown: Promise<void> = Promise.resolve();
      result = await tokens.signIn({
        signal: controller.signal,
        onDeviceCode: (info) => {
          shown = showCode(info);
        },
      });
      await shown;
    }
    spinner?.stop();
    const { account, scopes } = result;
    if (io.json) {
      io.printJson({ ok: true, account: accountJson(account), scopes, tokenCache: tokens.tokenCachePath });
      return 0;
    }
    io.out(`${c.green('✔')} Signed in as ${c.bold(terminalText(account.username))}${account.name ? ` (${terminalText(account.name)})` : ''}, tenant ${terminalText(account.tenantId)}.`);
    io.out(`  Scopes granted: ${scopes.join(', ')}`);
    io.out(`  The sign-in is kept in ${tokens.tokenCachePath} (mode 0600): mailbridge renews it silently; \`mailbridge logout\` removes it.`);
    if (account.username.toLowerCase() !== config.mailbox.toLowerCase()) {
      io.out(
        c.yellow(
          `  Note: the config's mailbox is ${config.mailbox}, not ${account.username}: mailbridge will act on ${config.mailbox}, which works only if ${account.username} has access to it. Set "mailbox" to ${account.username} for the signed-in person's own mailbox.`,
        ),
      );
    }
    return 0;
  } finally {
    spinner?.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await runtime.close();
    // msal-node notices a cancel only at its next poll (up to `interval` seconds): after Ctrl-C,
    // exit once the error is printed instead of waiting for it (the timer does not keep us alive).
    if (controller.signal.aborted) setTimeout(() => process.exit(), 200).unref();
  }
}

/**
 * The address the person pastes. At a terminal: a prompt that does not echo it (it carries the
 * authorization code, which must not stay in the scrollback). Piped: the first line of stdin.
 * Bounded in size either way.
 */
async function readPastedAddress(io: CliIo): Promise<string> {
  const message = 'Address the browser ended on:';
  if (process.stdin.isTTY === true) {
    const { password } = await import('@inquirer/prompts');
    return password(
      { message, validate: (value) => (value.length > MAX_PASTE_CHARS ? `That is longer than ${MAX_PASTE_CHARS} characters: paste only the address.` : value.trim() !== '' || 'Paste the address, then press Enter.') },
      { output: io.json ? io.stderr : io.stdout },
    );
  }
  (io.json ? io.stderr : io.stdout).write(`${message} `);
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.length > MAX_PASTE_CHARS) throw new UsageError(`The pasted text is longer than ${MAX_PASTE_CHARS} characters.`, 'Paste only the address the browser ended on.');
      if (line.trim() !== '') return line;
    }
  } finally {
    lines.close();
  }
  throw new UsageError('No address was pasted (stdin ended).', 'Run `mailbridge login` in a terminal, or pipe the address the browser ended on into it.');
}

/** What `path` points to when it is a symbolic link. */
async function linkTarget(path: string): Promise<string | undefined> {
  const { lstat, realpath } = await import('node:fs/promises');
  const isLink = await lstat(path).then(
    (info) => info.isSymbolicLink(),
    () => false,
  );
  return isLink ? realpath(path).catch(() => undefined) : undefined;
}

/** `mailbridge logout`: removes the signed-in account from the token cache (and the file, when it is the last). */
export async function logoutCommand(io: CliIo, globals: GlobalOptions, _options: Record<string, unknown>): Promise<number> {
  const { runtime, tokens } = await delegatedRuntime(io, globals, 'logout');
  try {
    // A linked cache keeps its tokens in the link's target: say so before removing them from there.
    const target = await linkTarget(tokens.tokenCachePath);
    const c = io.colors;
    if (target && !io.json) io.out(`auth.tokenCache ${tokens.tokenCachePath} is a symbolic link to ${target}: the sign-in is removed from ${target}, then the link.`);
    const removed = await tokens.signOut();
    if (io.json) {
      io.printJson({ ok: true, removed: removed.map(accountJson), tokenCache: tokens.tokenCachePath, ...(target ? { tokenCacheTarget: target } : {}) });
      return 0;
    }
    if (removed.length === 0) {
      io.out(`No one was signed in (${tokens.tokenCachePath} holds no account).`);
    } else {
      for (const account of removed) io.out(`${c.green('✔')} Signed out ${c.bold(terminalText(account.username))}: removed from ${tokens.tokenCachePath}.`);
      io.out(c.dim("The refresh token is gone from this machine. To also end the sessions elsewhere, revoke them in your account's security settings (or an administrator does in Entra admin center > Users > Revoke sessions)."));
    }
    return 0;
  } finally {
    await runtime.close();
  }
}
