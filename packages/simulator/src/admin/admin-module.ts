import { timingSafeEqual } from 'node:crypto';
import { FAULT_KINDS } from '../seed/fault-schema.js';
import type { ApiModule, SimRequest, SimResponse } from '../server/http-types.js';
import type { FaultSpec, LoggedRequest, OutboundMessage, SeedData, SeedMessage } from '../types.js';

/** The header that carries the simulator's admin key. */
export const ADMIN_KEY_HEADER = 'x-simulator-admin-key';

/** What the admin endpoints operate on. */
export interface AdminOperations {
  adminKey: string;
  inject(fault: FaultSpec): () => void;
  clearFaults(): void;
  faults(): FaultSpec[];
  requests(): LoggedRequest[];
  clearRequests(): void;
  outbound(): OutboundMessage[];
  seed(data: Partial<SeedData>): void;
  approveDeviceCode(userCode: string, userMail: string, options?: { decline?: boolean }): void;
  revokeSignIns(userMail: string): void;
  setAccessTokenLifetime(seconds: number): void;
  seedMessages(mailbox: string, messages: SeedMessage[]): void;
  setConditionalAccessBlock(principal: string, blocked: boolean, options?: { flow?: 'device-code' }): void;
  issueFederatedAssertion(options: { subject: string; issuer?: string; audience?: string; lifetimeSeconds?: number }): Promise<string>;
}

const badRequest = (message: string) => json(400, { error: { code: 'BadRequest', message } });
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const KNOWN_FAULT_KINDS: ReadonlySet<string> = new Set(FAULT_KINDS);

function json(status: number, body: unknown): SimResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(body) };
}

function keyMatches(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseJson(request: SimRequest): unknown {
  try {
    return JSON.parse(request.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * `/_admin/*`: what a test or the sandbox does from outside the process — inject faults, read the
 * request and outbound logs, seed, approve a device code. Every call needs the admin key generated
 * at start (`simulator.adminKey`), so a sandbox on a shared machine is not steerable by others.
 */
export function createAdminModule(ops: AdminOperations): ApiModule {
  return {
    name: 'admin',
    matches: (request) => request.url.pathname.startsWith('/_admin/'),
    async handle(request) {
      if (!keyMatches(request.headers[ADMIN_KEY_HEADER], ops.adminKey)) {
        return json(401, { error: { code: 'Unauthorized', message: `Missing or wrong ${ADMIN_KEY_HEADER} header.` } });
      }
      const route = `${request.method} ${request.url.pathname}`;
      switch (route) {
        case 'GET /_admin/faults':
          return json(200, { faults: ops.faults() });
        case 'POST /_admin/faults': {
          const fault = parseJson(request) as FaultSpec | undefined;
          if (!fault || typeof fault !== 'object' || !KNOWN_FAULT_KINDS.has((fault as { kind?: string }).kind ?? '')) {
            return json(400, { error: { code: 'BadRequest', message: `Body must be a FaultSpec with kind one of ${FAULT_KINDS.join(', ')}.` } });
          }
          ops.inject(fault);
          return json(201, { fault });
        }
        case 'DELETE /_admin/faults':
          ops.clearFaults();
          return { status: 204 };
        case 'GET /_admin/requests':
          return json(200, { requests: ops.requests() });
        case 'DELETE /_admin/requests':
          ops.clearRequests();
          return { status: 204 };
        case 'GET /_admin/outbound':
          return json(200, { messages: ops.outbound() });
        case 'POST /_admin/seed': {
          const data = parseJson(request) as Partial<SeedData> | undefined;
          if (!data || typeof data !== 'object') return json(400, { error: { code: 'BadRequest', message: 'Body must be seed data (tenants, apps, users).' } });
          ops.seed(data);
          return { status: 204 };
        }
        case 'POST /_admin/device/approve': {
          const body = parseJson(request) as { userCode?: string; userMail?: string; decline?: boolean } | undefined;
          if (!body?.userCode || !body.userMail) return json(400, { error: { code: 'BadRequest', message: 'Body must be {"userCode", "userMail", "decline"?}.' } });
          try {
            ops.approveDeviceCode(body.userCode, body.userMail, { decline: body.decline === true });
          } catch (error) {
            return json(400, { error: { code: 'BadRequest', message: (error as Error).message } });
          }
          return json(200, { approved: body.decline !== true });
        }
        case 'POST /_admin/sign-ins/revoke': {
          const body = parseJson(request);
          if (!isObject(body) || typeof body.userMail !== 'string') return badRequest('Body must be {"userMail"}.');
          ops.revokeSignIns(body.userMail);
          return json(200, { revoked: body.userMail });
        }
        case 'POST /_admin/token-lifetime': {
          const body = parseJson(request);
          if (!isObject(body) || typeof body.seconds !== 'number' || !(body.seconds > 0)) return badRequest('Body must be {"seconds"} (a positive number).');
          ops.setAccessTokenLifetime(body.seconds);
          return json(200, { seconds: Math.floor(body.seconds) });
        }
        case 'POST /_admin/messages': {
          const body = parseJson(request);
          if (!isObject(body) || typeof body.mailbox !== 'string' || !Array.isArray(body.messages)) return badRequest('Body must be {"mailbox", "messages": [SeedMessage, …]}.');
          try {
            ops.seedMessages(body.mailbox, body.messages as SeedMessage[]);
          } catch (error) {
            return badRequest((error as Error).message);
          }
          return json(201, { mailbox: body.mailbox, added: body.messages.length });
        }
        case 'POST /_admin/conditional-access': {
          const body = parseJson(request);
          if (!isObject(body) || typeof body.principal !== 'string' || typeof body.blocked !== 'boolean' || (body.flow !== undefined && body.flow !== 'device-code')) {
            return badRequest('Body must be {"principal": user mail or client id, "blocked": true|false, "flow"?: "device-code"}.');
          }
          ops.setConditionalAccessBlock(body.principal, body.blocked, body.flow === 'device-code' ? { flow: 'device-code' } : {});
          return json(200, { principal: body.principal, blocked: body.blocked, ...(body.flow ? { flow: body.flow } : {}) });
        }
        case 'POST /_admin/federated-assertion': {
          const body = parseJson(request);
          if (!isObject(body) || typeof body.subject !== 'string' || body.subject === '') return badRequest('Body must be {"subject", "issuer"?, "audience"?, "lifetimeSeconds"?}.');
          const assertion = await ops.issueFederatedAssertion({
            subject: body.subject,
            ...(typeof body.issuer === 'string' ? { issuer: body.issuer } : {}),
            ...(typeof body.audience === 'string' ? { audience: body.audience } : {}),
            ...(typeof body.lifetimeSeconds === 'number' ? { lifetimeSeconds: body.lifetimeSeconds } : {}),
          });
          return json(200, { assertion });
        }
        default:
          return json(404, { error: { code: 'NotFound', message: `No admin endpoint ${route}.` } });
      }
    },
  };
}
