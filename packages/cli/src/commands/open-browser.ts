import { spawn } from 'node:child_process';

/**
 * Whether this session can show a browser: a desktop (macOS, Windows, a Linux/BSD session with
 * DISPLAY or WAYLAND_DISPLAY), or a `BROWSER` command named by the user. An SSH session without a
 * forwarded display has none: `login` then uses the paste flow.
 */
export function hasBrowser(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): boolean {
  if ((env.BROWSER ?? '') !== '') return true;
  if (platform === 'darwin' || platform === 'win32') return true;
  return (env.DISPLAY ?? '') !== '' || (env.WAYLAND_DISPLAY ?? '') !== '';
}

/**
 * Opens `url` in the person's browser, without a shell (the URL is one argument, never parsed):
 * the `BROWSER` command when set (as git, Python's webbrowser and many CLIs honour it; `%s` is
 * replaced by the URL, else the URL is appended), else the platform's opener. Resolves false when
 * nothing could be started; the caller has printed the URL anyway.
 */
export function openBrowser(url: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  let command: string;
  let args: string[];
  const custom = (env.BROWSER ?? '').trim();
  if (custom !== '') {
    const words = custom.split(/\s+/);
    command = words[0] as string;
    args = words.slice(1);
    if (args.some((arg) => arg.includes('%s'))) args = args.map((arg) => arg.replaceAll('%s', url));
    else args.push(url);
  } else if (platform === 'darwin') {
    [command, args] = ['open', [url]];
  } else if (platform === 'win32') {
    // No `cmd /c start`: cmd would read the URL's "&" as a command separator.
    [command, args] = ['rundll32', ['url.dll,FileProtocolHandler', url]];
  } else {
    [command, args] = ['xdg-open', [url]];
  }
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { stdio: 'ignore', detached: true, env });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
