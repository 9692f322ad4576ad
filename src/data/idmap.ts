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

  private constructor(kind: "user" | "item", sortedUniqueIds: readonly string[]) {
    this.kind = kind;
    this.ids = sortedUniqueIds;
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
    for (let i = 0; i < ids.length; i++) {
      const id: unknown = ids[i];
      if (typeof id !== "string" || id.length === 0) throw new InvalidArgumentError(`${kind} ID list[${i}]`, "a non-empty string", id);
      if (i > 0 && compareIds(ids[i - 1] as string, id) >= 0) {
        throw new InvalidArgumentError(`${kind} ID list[${i}]`, `sorted and unique (after ${JSON.stringify(ids[i - 1])})`, id);
      }
    }
    return new IdMap(kind, ids as string[]);
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
