/**
 * True when `value` nests objects/arrays deeper than `limit`. Iterative on purpose: a hostile
 * config 100,000 levels deep must be refused here, not overflow the stack of a recursive walk later.
 * Stops at the first branch that goes too deep.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (typeof current.value !== 'object' || current.value === null) continue;
    if (current.depth >= limit) return true;
    const children = Array.isArray(current.value) ? current.value : Object.values(current.value);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: current.depth + 1 });
  }
  return false;
}
