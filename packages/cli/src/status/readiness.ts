/** One readiness check: resolves when the dependency works, throws (a MailbridgeError, ideally) when not. */
export interface ReadinessCheck {
  /** Stable id reported in `/readyz`, e.g. `store` or `token`. */
  id: string;
  run(signal: AbortSignal): Promise<void>;
}

/** A check that failed: its id and the error's code, message and hint (never a secret: errors are redacted at the source). */
export interface FailingCheck {
  id: string;
  code: string;
  message: string;
  hint?: string;
}

/** The body of `/readyz`. */
export interface ReadinessReport {
  ok: boolean;
  /** Ids of the checks that passed. */
  passing: string[];
  failing: FailingCheck[];
}

/** Options of {@link createReadiness}. */
export interface ReadinessOptions {
  /**
   * Longest a check may take before it counts as failing (a stopped Redis makes calls wait, not fail).
   * @default 3000
   */
  timeoutMs?: number;
}

const MARKER = Symbol.for('mailbridge.error');

function describe(id: string, error: unknown, timedOut: boolean): FailingCheck {
  if (timedOut) {
    return { id, code: 'NETWORK_TIMEOUT', message: `The ${id} check did not answer in time.`, hint: id === 'store' ? 'Check that the outbox store (e.g. Redis) is running and reachable.' : 'Check the network path to Entra ID.' };
  }
  if (typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true) {
    const coded = error as { code: string; message: string; hint?: string };
    return { id, code: coded.code, message: coded.message, ...(coded.hint ? { hint: coded.hint } : {}) };
  }
  // Not a MailbridgeError: report its kind only, since an arbitrary library message may hold anything.
  return { id, code: 'INTERNAL', message: `The ${id} check failed unexpectedly (${error instanceof Error ? error.name : typeof error}).`, hint: 'Run the command with --verbose for details.' };
}

/** Runs every check at once, each bounded by `timeoutMs`, and reports which fail. */
export function createReadiness(checks: ReadinessCheck[], options: ReadinessOptions = {}): { run(): Promise<ReadinessReport> } {
  const timeoutMs = options.timeoutMs ?? 3_000;
  return {
    async run() {
      const results = await Promise.all(
        checks.map(async (check): Promise<FailingCheck | undefined> => {
          const controller = new AbortController();
          let timedOut = false;
          let timer: NodeJS.Timeout | undefined;
          const deadline = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              timedOut = true;
              controller.abort();
              reject(new Error('timeout'));
            }, timeoutMs);
          });
          try {
            await Promise.race([check.run(controller.signal), deadline]);
            return undefined;
          } catch (error) {
            return describe(check.id, error, timedOut);
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      const failing = results.filter((result): result is FailingCheck => result !== undefined);
      return { ok: failing.length === 0, passing: checks.filter((_, index) => results[index] === undefined).map((check) => check.id), failing };
    },
  };
}
