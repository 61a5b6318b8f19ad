import { runDoctor, type CheckResult } from '../doctor/run-doctor.js';
import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { startSpinner } from '../output/spinner.js';
import { renderTable } from '../output/table.js';
import { terminalText } from '../output/terminal-text.js';

export function renderChecks(io: CliIo, checks: CheckResult[]): void {
  const c = io.colors;
  const badge = { pass: c.green('✔ pass'), warn: c.yellow('▲ warn'), fail: c.red('✖ fail'), skip: c.dim('- skip') } as const;
  const rows = checks.map((check) => [badge[check.status], c.bold(check.id), terminalText(check.message)]);
  const lines = renderTable(rows);
  checks.forEach((check, index) => {
    io.out(lines[index]);
    if (check.hint && (check.status === 'warn' || check.status === 'fail')) {
      io.out(`${' '.repeat(8)}${c.cyan('→')} ${terminalText(check.hint, { keepNewlines: true })}${check.code ? c.dim(` [${check.code}]`) : ''}`);
    }
  });
}

export async function doctorCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  const spinner = await startSpinner(io, 'Checking…');
  let checks: CheckResult[];
  try {
    checks = await runDoctor(globals, {
      ...(typeof options.sendTest === 'string' ? { sendTest: options.sendTest } : {}),
      env: io.env,
      onProgress: (id) => spinner.update(`Checking ${id}…`),
    });
  } finally {
    spinner.stop();
  }
  const ok = !checks.some((check) => check.status === 'fail');
  if (io.json) {
    io.printJson({ ok, checks });
  } else {
    renderChecks(io, checks);
    io.out();
    io.out(ok ? io.colors.green('All checks passed.') : io.colors.red('Some checks failed: fix the first one marked fail, then run `mailbridge doctor` again.'));
  }
  // An invalid config is a usage problem (exit 2); any other failed check is exit 1.
  const configFail = checks.find((check) => check.id === 'config' && check.status === 'fail');
  if (configFail) return configFail.code === 'CONFIG_INVALID' || configFail.code === 'CONFIG_PARSE' || configFail.code === 'CONFIG_NOT_FOUND' || configFail.code === 'SECRET_UNRESOLVED' ? 2 : 1;
  return ok ? 0 : 1;
}
