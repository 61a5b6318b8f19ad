import { type CheckResult, runDoctor } from '../doctor/run-doctor.js';
import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { createCliLogger } from '../output/cli-logger.js';
import { repeatConfig, shellQuote } from '../output/repeat-config.js';
import { startSpinner } from '../output/spinner.js';
import { renderTable } from '../output/table.js';
import { terminalText } from '../output/terminal-text.js';

/** The ids Entra gave a failure, for a support ticket: "AADSTS7000222, trace id …, correlation id …". */
function supportIds(check: CheckResult): string {
  return [check.aadsts ? `AADSTS${check.aadsts}` : '', check.traceId ? `trace id ${check.traceId}` : '', check.correlationId ? `correlation id ${check.correlationId}` : ''].filter(Boolean).join(', ');
}

export function renderChecks(io: CliIo, checks: CheckResult[]): void {
  const c = io.colors;
  const badge = { pass: c.green('✔ pass'), warn: c.yellow('▲ warn'), fail: c.red('✖ fail'), skip: c.dim('- skip') } as const;
  const rows = checks.map((check) => [badge[check.status], c.bold(check.id), terminalText(check.message)]);
  const lines = renderTable(rows);
  const indent = ' '.repeat(8);
  checks.forEach((check, index) => {
    io.out(lines[index]);
    if (check.hint && (check.status === 'warn' || check.status === 'fail')) {
      io.out(`${indent}${c.cyan('→')} ${terminalText(repeatConfig(check.hint, io.config), { keepNewlines: true })}${check.code ? c.dim(` [${check.code}]`) : ''}`);
    }
    const support = supportIds(check);
    if (support) io.out(`${indent}${c.dim(`for support: ${support}`)}`);
  });
}

/** The closing line: passed, passed with warnings, or failed (naming the command to run again). */
export function summaryLine(io: CliIo, checks: CheckResult[]): string {
  const failed = checks.some((check) => check.status === 'fail');
  const warnings = checks.filter((check) => check.status === 'warn').length;
  if (failed) {
    const again = `mailbridge${io.config ? ` --config ${shellQuote(io.config)}` : ''} doctor`;
    return io.colors.red(`Some checks failed: fix the first one marked fail, then run \`${again}\` again.`);
  }
  if (warnings > 0) return io.colors.yellow(`All checks passed with ${warnings} warning${warnings === 1 ? '' : 's'} (marked warn above).`);
  return io.colors.green('All checks passed.');
}

export async function doctorCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  const spinner = await startSpinner(io, 'Checking…');
  let checks: CheckResult[];
  try {
    checks = await runDoctor(globals, {
      ...(typeof options.sendTest === 'string' ? { sendTest: options.sendTest } : {}),
      env: io.env,
      logger: await createCliLogger(io),
      onProgress: (id) => spinner.update(`Checking ${id}…`),
    });
  } finally {
    spinner.stop();
  }
  const ok = !checks.some((check) => check.status === 'fail');
  if (io.json) {
    io.printJson({ ok, checks: checks.map((check) => (check.hint ? { ...check, hint: repeatConfig(check.hint, io.config) } : check)) });
  } else {
    renderChecks(io, checks);
    io.out();
    io.out(summaryLine(io, checks));
  }
  // An invalid config is a usage problem (exit 2); any other failed check is exit 1.
  const configFail = checks.find((check) => check.id === 'config' && check.status === 'fail');
  if (configFail) return configFail.code === 'CONFIG_INVALID' || configFail.code === 'CONFIG_PARSE' || configFail.code === 'CONFIG_NOT_FOUND' || configFail.code === 'SECRET_UNRESOLVED' ? 2 : 1;
  return ok ? 0 : 1;
}
