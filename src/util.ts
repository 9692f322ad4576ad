/** Small helpers shared across modules: rounding for display and filling defaults. */

/** Rounds to `digits` decimals, for display and JSON summaries. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** `partial` over `defaults`, where a key given as `undefined` keeps its default (a plain spread would not). */
export function withDefaults<T extends object>(defaults: T, partial: Partial<T>): T {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
