import type { TokenVerifier } from '../entra/token-verifier.js';
import type { FaultRegistry } from '../faults/fault-registry.js';
import type { SimRequest } from '../server/http-types.js';
import type { Directory } from '../state/directory.js';
import type { SimState } from '../state/sim-state.js';

/** What the EWS module adds to a request's log entry (see `LoggedRequest`). */
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
  /** The simulated directory (tenants, apps, users). */
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
  /**
   * Called once per request, before the response is returned, with what the request log should
   * record (operation, schema validity, client id). The server merges it into the log entry.
   */
  annotate?: (request: SimRequest, fields: EwsLogFields) => void;
  /** Largest message (MIME bytes) CreateItem/SendItem accept: Exchange Online's default MaxSendSize, 35 MB. */
  maxMessageBytes?: number;
}
