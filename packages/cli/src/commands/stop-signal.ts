/** The stop request of a long-running command: SIGTERM (a service manager) or SIGINT (Ctrl+C). */
export interface StopSignal {
  /** Resolves with the first signal received. */
  readonly stopped: Promise<NodeJS.Signals>;
  /** The signal received so far, if any: start-up checks it between steps and stops early. */
  readonly received: NodeJS.Signals | undefined;
  /** Removes the handlers (when the command ends without a signal, e.g. on a start-up error). */
  dispose(): void;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Takes over SIGTERM and SIGINT for a command that runs until stopped. Called before anything
 * listens or opens: without a handler Node dies at once on SIGTERM, so a signal that arrives while
 * the command starts up (a service manager restarting it right away) would skip the clean stop.
 * After the first signal the handlers are removed, so a second one ends the process at once (for
 * the person whose Ctrl+C does not seem to stop a long drain).
 */
export function listenForStop(): StopSignal {
  let received: NodeJS.Signals | undefined;
  let resolveStopped!: (signal: NodeJS.Signals) => void;
  const stopped = new Promise<NodeJS.Signals>((resolve) => (resolveStopped = resolve));
  const dispose = () => {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    received ??= signal;
    dispose();
    resolveStopped(signal);
  }
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    stopped,
    get received() {
      return received;
    },
    dispose,
  };
}
