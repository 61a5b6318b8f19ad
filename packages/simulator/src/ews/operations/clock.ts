import type { OperationContext } from './operation-context.js';

/** Now, on the simulator's clock (which a clock-skew fault may move), as Graph and EWS store it. */
export function currentIso(ctx: OperationContext): string {
  return ctx.state.nowIso();
}
