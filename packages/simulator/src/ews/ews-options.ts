import type { TokenVerifier } from '../entra/token-verifier.js';
import type { FaultRegistry } from '../faults/fault-registry.js';
import type { Directory } from '../state/directory.js';
import type { SimState } from '../state/sim-state.js';
import type { EwsThrottlingPolicy } from './ews-throttle.js';

/** What the EWS module reports for a request's log entry (`SimResponse.log`, then `LoggedRequest`). */
export interface EwsLogFields {
  /** The SOAP operation (local name of the Body element, e.g. `FindItem`). */
  ewsOperation?: string;
  /** Whether the request validated against the EWS schemas; absent when validation is off. */
  schemaValid?: boolean;
  /** The schema problems, `line N, position P: message`. */
  schemaErrors?: string[];
  /** Client (app) id from the bearer token. */
  clientId?: string;
  /** Whether the response the simulator produced validated too (it always should: a false here is a simulator bug). */
  responseSchemaValid?: boolean;
  /** Notes worth seeing in the log, e.g. impersonation without X-AnchorMailbox. */
  notes?: string[];
}

/** Options of {@link createEwsModule}. */
export interface EwsModuleOptions {
  /** The simulated directory: tenants (cloud, EWS policy) and app registrations (mailbox scope) are read here at request time. */
  directory: Directory;
  /** The shared message store (the same one Graph uses): mailboxes, folders, messages, mail flow. */
  store: SimState;
  /** Checks bearer tokens issued by the simulated Entra ID. */
  tokens: TokenVerifier;
  /** Injected faults; EWS takes `ews-server-busy`. */
  faults: FaultRegistry;
  /** `online`: Exchange Online (OAuth only). `onprem`: Exchange Server (Basic, NTLM, and OAuth). */
  mode: 'online' | 'onprem';
  /** Validate every request and response against the official EWS XSDs. */
  validate: boolean;
  /** Largest message (MIME bytes) CreateItem/SendItem accept: Exchange Online's default MaxSendSize, 35 MB. */
  maxMessageBytes?: number;
  /** EWS throttling; unset fields take Exchange Online's defaults (DEFAULT_EWS_THROTTLING). */
  throttling?: Partial<EwsThrottlingPolicy>;
}
