import { dirname } from 'node:path';
import type { LoadedConfig, Logger, StatusConfig } from '@mailbridge/core';
import { createRuntime } from '../commands/runtime.js';
import { runDoctor } from '../doctor/run-doctor.js';
import type { GlobalOptions } from '../output/cli-io.js';
import { createDoctorSchedule } from './doctor-schedule.js';
import { createReadiness } from './readiness.js';
import type { StatusCredentials } from './status-auth.js';
import { createStatusCollector } from './status-collector.js';
import { createStatusMetrics } from './status-metrics.js';
import { startStatusServer } from './status-server.js';
import type { StatusOutbox, StatusRelay } from './status-sources.js';
import { createTokenCheck } from './token-check.js';

/** Options of {@link startStatusListener}. */
export interface StartStatusListenerOptions {
  service: 'relay' | 'outbox';
  loaded: LoadedConfig;
  /** The parsed `relay.status` or `outbox.status`. */
  status: StatusConfig;
  /** Its JSON path, for messages. */
  configPath: 'relay.status' | 'outbox.status';
  outbox: StatusOutbox;
  relay?: StatusRelay;
  /** The command's global flags (the doctor runs with them). */
  globals: GlobalOptions;
  env?: NodeJS.ProcessEnv;
  /**
   * Where the token check's and the scheduled doctor's network stacks log.
   * @default silent
   */
  logger?: Logger;
  /**
   * Run `doctor` at start and every hour for the page.
   * @default true
   */
  doctor?: boolean;
}

/** A running status listener. */
export interface StatusListener {
  readonly url: string;
  close(): Promise<void>;
}

async function resolveCredentials(status: StatusConfig, loaded: LoadedConfig, configPath: string, env: NodeJS.ProcessEnv): Promise<StatusCredentials | undefined> {
  const { resolveSecret } = await import('@mailbridge/core');
  const auth = status.auth;
  if (!auth) return undefined;
  const baseDir = loaded.path ? dirname(loaded.path) : process.cwd();
  if ('bearer' in auth) return { bearer: await resolveSecret(auth.bearer, { env, baseDir, path: `${configPath}.auth.bearer` }) };
  return { basic: { user: auth.basic.user, password: await resolveSecret(auth.basic.password, { env, baseDir, path: `${configPath}.auth.basic.password` }) } };
}

/**
 * Starts the status listener of `mailbridge relay` or `mailbridge outbox work`: the page, metrics
 * and health checks over the given outbox (and relay). The commands import this module only when
 * the config has a `status` section, so the CLI's start-up stays light.
 */
export async function startStatusListener(options: StartStatusListenerOptions): Promise<StatusListener> {
  const env = options.env ?? process.env;
  const { loaded, status, configPath } = options;
  const { config } = loaded;
  const credentials = await resolveCredentials(status, loaded, configPath, env);
  const oauth = config.auth.flow === 'client-credentials' || config.auth.flow === 'device-code';
  // A runtime of its own: the token check forces new tokens and must not disturb the workers' cache.
  const runtime = oauth ? await createRuntime(loaded, options.logger ? { logger: options.logger } : {}) : undefined;
  const tokenCheck = runtime ? createTokenCheck({ tokens: runtime.tokens, resource: config.transport === 'ews' ? 'ews' : 'graph', intervalMs: status.tokenCheckSeconds * 1000 }) : undefined;
  const doctor = options.doctor === false ? undefined : createDoctorSchedule({ run: () => runDoctor({ ...options.globals, ...(loaded.path ? { config: loaded.path } : {}) }, { env, ...(options.logger ? { logger: options.logger } : {}) }) });
  const metrics = createStatusMetrics();
  const collector = createStatusCollector({
    service: options.service,
    version: __PACKAGE_VERSION__,
    config,
    outbox: options.outbox,
    ...(options.relay ? { relay: options.relay } : {}),
    metrics,
    ...(tokenCheck ? { tokenCheck } : {}),
    ...(doctor ? { doctor: doctor.latest } : {}),
    showSubjects: status.showSubjects,
  });
  // The first token check starts now, so the page and /readyz have an answer soon.
  tokenCheck?.check().catch(() => undefined);
  try {
    const server = await startStatusServer({
      host: status.host,
      port: status.port,
      ...(credentials ? { auth: credentials } : {}),
      configPath,
      snapshot: () => collector.snapshot(),
      metrics,
      refreshGauges: () => collector.refreshGauges(),
      readiness: createReadiness(collector.readinessChecks()),
      refreshSeconds: status.refreshSeconds,
    });
    return {
      url: server.url,
      async close() {
        doctor?.close();
        collector.close();
        await server.close();
        await runtime?.close();
      },
    };
  } catch (error) {
    doctor?.close();
    collector.close();
    await runtime?.close();
    throw error;
  }
}
