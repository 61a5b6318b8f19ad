/**
 * File names of the spool, chosen so an admin can read the outbox with `ls`:
 *
 * | folder | name | meaning |
 * |---|---|---|
 * | `queued/` | `2-<id>[.r][.after-<ms>].json` | waiting; `1-` high, `2-` normal, `3-` low importance; `.r`: an attempt may have taken effect (Sent Items is checked first); `.after-`: retry not before |
 * | `sending/` | `<queued name>.pid-<pid>-<claim>.json` | claimed by process `<pid>` (its lease: the file's mtime, renewed while it sends) |
 * | `held/` | `2-<id>.until-<ms>.json` | the daily recipient budget is used up until then |
 * | `delivered/` | `<id>.at-<ms>.json` | delivered then (the body is no longer kept) |
 * | `failed/` | `<id>.json` | failed for good; `mailbridge outbox show <id>` tells why |
 *
 * Ids start with the enqueue time in base 36, so names sort oldest first.
 */
const NAME =
  /^(?:(?<priority>[123])-)?(?<id>[0-9a-z]{9}-[0-9a-f]{10})(?<uncertain>\.r)?(?:\.after-(?<after>\d{1,15}))?(?:\.until-(?<until>\d{1,15}))?(?:\.at-(?<at>\d{1,15}))?(?:\.pid-(?<pid>\d{1,10})(?:-(?<claim>[0-9a-f]{1,16}))?)?\.json$/;

/** The parts of a spool file name. */
export interface SpoolName {
  priority?: 1 | 2 | 3;
  id: string;
  uncertain: boolean;
  after?: number;
  until?: number;
  at?: number;
  pid?: number;
  /** A nonce per claim: two claims of one process never share a file name. */
  claim?: string;
}

/** Parses a spool file name; `undefined` for anything else (temp files, an admin's notes). */
export function parseSpoolName(name: string): SpoolName | undefined {
  const match = NAME.exec(name);
  if (!match?.groups) return undefined;
  const g = match.groups;
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const parsed: SpoolName = { id: g.id!, uncertain: g.uncertain !== undefined };
  if (g.priority) parsed.priority = Number(g.priority) as 1 | 2 | 3;
  const after = number(g.after);
  if (after !== undefined) parsed.after = after;
  const until = number(g.until);
  if (until !== undefined) parsed.until = until;
  const at = number(g.at);
  if (at !== undefined) parsed.at = at;
  const pid = number(g.pid);
  if (pid !== undefined) parsed.pid = pid;
  if (g.claim) parsed.claim = g.claim;
  return parsed;
}

/** Writes a spool file name. */
export function formatSpoolName(parts: SpoolName): string {
  let name = parts.priority ? `${parts.priority}-${parts.id}` : parts.id;
  if (parts.uncertain) name += '.r';
  if (parts.after !== undefined) name += `.after-${parts.after}`;
  if (parts.until !== undefined) name += `.until-${parts.until}`;
  if (parts.at !== undefined) name += `.at-${parts.at}`;
  if (parts.pid !== undefined) name += `.pid-${parts.pid}${parts.claim ? `-${parts.claim}` : ''}`;
  return `${name}.json`;
}

/** The enqueue time encoded in an outbox id. */
export function enqueuedAtOfId(id: string): number {
  return Number.parseInt(id.slice(0, 9), 36);
}
