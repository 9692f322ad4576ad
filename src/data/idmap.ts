/** Raw IDs <-> contiguous indices, both ways; stable and serialisable with a model. */
import { InvalidArgumentError, UnknownIdError } from "../errors";

/**
 * An immutable bijection between raw string IDs and indices 0..size-1.
 * Indices follow the sorted order of the IDs (UTF-16 code-unit order), so the same set of IDs gives the
 * same indices whatever the order of the rows they came from.
 *
 * @example
 * const users = IdMap.fromIds("user", ["U10007", "U10001", "U10007"]);
 * users.index("U10001") //=> 0
 * users.id(1)           //=> "U10007"
 */
export class IdMap {
  readonly kind: "user" | "item";
  private readonly ids: readonly string[];
  private readonly lookup: ReadonlyMap<string, number>;

  private constructor(kind: "user" | "item", sortedUniqueIds: readonly string[], lookup?: ReadonlyMap<string, number>) {
    this.kind = kind;
    this.ids = sortedUniqueIds;
    if (lookup) {
      this.lookup = lookup;
      return;
    }
    const m = new Map<string, number>();
    sortedUniqueIds.forEach((id, i) => m.set(id, i));
    this.lookup = m;
  }

  /** Builds a map from any IDs (duplicates allowed); empty IDs are rejected. */
  static fromIds(kind: "user" | "item", ids: Iterable<string>): IdMap {
    const set = new Set<string>();
    for (const id of ids) {
      if (typeof id !== "string" || id.length === 0) throw new InvalidArgumentError(`${kind} ID`, "a non-empty string", id);
      set.add(id);
    }
    return new IdMap(kind, [...set].sort(compareIds));
  }

  /** Restores a map saved with `toJSON`; the list must be sorted and unique, as `toJSON` writes it. */
  static fromJSON(kind: "user" | "item", ids: unknown): IdMap {
    if (!Array.isArray(ids)) throw new InvalidArgumentError(`${kind} ID list`, "an array of strings", ids);
    const steps = IdMap.fromSortedSteps(kind, ids.length, (k) => ids[k], Infinity);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /**
   * `fromJSON`'s work (the same checks and messages) as steps: the IDs `idAt(0..n-1)` are checked and entered
   * `chunk` at a time, and the generator yields between chunks, so a caller can let an event loop run meanwhile
   * (a server reloading a model of 160k users: one block would be 40-65 ms). Returns the map when done.
   */
  static *fromSortedSteps(kind: "user" | "item", n: number, idAt: (k: number) => unknown, chunk = 16384): Generator<void, IdMap, void> {
    const ids = new Array<string>(n);
    const lookup = new Map<string, number>();
    let prev: string | undefined;
    for (let i = 0; i < n; i++) {
      const id = idAt(i);
      if (typeof id !== "string" || id.length === 0) throw new InvalidArgumentError(`${kind} ID list[${i}]`, "a non-empty string", id);
      if (prev !== undefined && compareIds(prev, id) >= 0) {
        throw new InvalidArgumentError(`${kind} ID list[${i}]`, `sorted and unique (after ${JSON.stringify(prev)})`, id);
      }
      ids[i] = id;
      lookup.set(id, i);
      prev = id;
      if (i % chunk === chunk - 1 && i + 1 < n) yield;
    }
    return new IdMap(kind, ids, lookup);
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.lookup.has(id);
  }

  /** The index of a raw ID; an unknown ID throws `UnknownIdError` naming it. */
  index(id: string): number {
    const i = this.lookup.get(id);
    if (i === undefined) throw new UnknownIdError(this.kind, id);
    return i;
  }

  /** The index of a raw ID, or -1 when unknown. */
  indexOrMinusOne(id: string): number {
    return this.lookup.get(id) ?? -1;
  }

  /** The raw ID at an index; out of range throws. */
  id(index: number): string {
    const id = this.ids[index];
    if (id === undefined) throw new InvalidArgumentError(`${this.kind} index`, `an integer in [0, ${this.ids.length})`, index);
    return id;
  }

  /** All raw IDs in index order (a copy). */
  toArray(): string[] {
    return [...this.ids];
  }

  toJSON(): string[] {
    return this.toArray();
  }
}

/** Code-unit order, the order `IdMap` uses; exported so other modules sort IDs the same way. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
