import type { DoctorView } from './status-snapshot.js';

/** Options of {@link createDoctorSchedule}. */
export interface DoctorScheduleOptions {
  /** Runs the doctor checks (the same as `mailbridge doctor`). */
  run(): Promise<DoctorView['checks']>;
  /**
   * Time between runs.
   * @default 3600000 (an hour)
   */
  intervalMs?: number;
  /**
   * Delay of the first run after start, so start-up work comes first.
   * @default 1000
   */
  firstRunDelayMs?: number;
  now?: () => number;
}

/** The doctor checks, run at start and then every hour, so the page shows their last result. */
export interface DoctorSchedule {
  latest(): DoctorView | undefined;
  close(): void;
}

/**
 * Runs `doctor` in the background on a timer that does not keep the process alive. One run at a
 * time; a run that throws leaves the previous result in place.
 */
export function createDoctorSchedule(options: DoctorScheduleOptions): DoctorSchedule {
  const now = options.now ?? Date.now;
  let latest: DoctorView | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const runOnce = async () => {
    try {
      const checks = await options.run();
      latest = { ranAt: new Date(now()), ok: !checks.some((check) => check.status === 'fail'), checks };
    } catch {
      // Keep the previous result: doctor reports its own failures as checks, so this is unexpected.
    }
    schedule(options.intervalMs ?? 3_600_000);
  };
  const schedule = (delay: number) => {
    if (closed) return;
    timer = setTimeout(() => void runOnce(), delay);
    timer.unref();
  };
  schedule(options.firstRunDelayMs ?? 1_000);

  return {
    latest: () => latest,
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
