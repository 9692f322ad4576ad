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
  /** The array form: one string per ID and a Map (maps built from rows or JSON). */
  private readonly ids: readonly string[] | undefined;
  private readonly lookup: ReadonlyMap<string, number> | undefined;
  /** The packed form (fromTextSteps, a loaded model): every ID a range of one text, found through an Int32Array hash table. */
  private readonly packed: PackedIds | undefined;

  private constructor(kind: "user" | "item", sortedUniqueIds: readonly string[] | PackedIds, lookup?: ReadonlyMap<string, number>) {
    this.kind = kind;
    if (!Array.isArray(sortedUniqueIds)) {
      this.packed = sortedUniqueIds as PackedIds;
      this.ids = undefined;
      this.lookup = undefined;
      return;
    }
    this.packed = undefined;
    this.ids = sortedUniqueIds as readonly string[];
    if (lookup) {
      this.lookup = lookup;
      return;
    }
    const m = new Map<string, number>();
    this.ids.forEach((id, i) => m.set(id, i));
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

  /**
   * The IDs `text.slice(starts[k], starts[k + 1])` for k = 0..starts.length-2 as a packed map: no string or Map entry per
   * ID, only the one text and two Int32Arrays, so a loaded model of 220k IDs adds three heap objects instead of ~660k
   * (what the garbage collector walks and copies while a server reloads). The same checks and messages as
   * `fromSortedSteps` (non-empty, sorted and unique), in steps of `chunk` IDs. `starts` is kept, not copied.
   */
  static *fromTextSteps(kind: "user" | "item", text: string, starts: Int32Array, chunk = 16384): Generator<void, IdMap, void> {
    const n = Math.max(0, starts.length - 1);
    let bits = 1;
    while (1 << bits < 2 * n) bits++;
    const table = new Int32Array(1 << bits);
    const mask = table.length - 1;
    for (let i = 0; i < n; i++) {
      const a = starts[i]!,
        b = starts[i + 1]!;
      if (!(b > a)) throw new InvalidArgumentError(`${kind} ID list[${i}]`, "a non-empty string", b === a ? "" : `a range ${a}..${b}`);
      if (i > 0 && compareRanges(text, starts[i - 1]!, a, a, b) >= 0) {
        throw new InvalidArgumentError(`${kind} ID list[${i}]`, `sorted and unique (after ${JSON.stringify(text.slice(starts[i - 1]!, a))})`, text.slice(a, b));
      }
      let h = hashRange(text, a, b) & mask;
      while (table[h] !== 0) h = (h + 1) & mask;
      table[h] = i + 1;
      if (i % chunk === chunk - 1 && i + 1 < n) yield;
    }
    return new IdMap(kind, { text, starts, table, mask });
  }

  get size(): number {
    return this.packed ? this.packed.starts.length - 1 : this.ids!.length;
  }

  has(id: string): boolean {
    return this.indexOrMinusOne(id) >= 0;
  }

  /** The index of a raw ID; an unknown ID throws `UnknownIdError` naming it. */
  index(id: string): number {
    const i = this.indexOrMinusOne(id);
    if (i < 0) throw new UnknownIdError(this.kind, id);
    return i;
  }

  /** The index of a raw ID, or -1 when unknown. */
  indexOrMinusOne(id: string): number {
    const p = this.packed;
    if (!p) return this.lookup!.get(id) ?? -1;
    if (typeof id !== "string") return -1;
    const { text, starts, table, mask } = p;
    for (let h = hashString(id) & mask; ; h = (h + 1) & mask) {
      const e = table[h]!;
      if (e === 0) return -1;
      const a = starts[e - 1]!;
      if (starts[e]! - a === id.length && text.startsWith(id, a)) return e - 1;
    }
  }

  /** The raw ID at an index; out of range throws. */
  id(index: number): string {
    const p = this.packed;
    const id = p
      ? Number.isInteger(index) && index >= 0 && index < p.starts.length - 1
        ? p.text.slice(p.starts[index]!, p.starts[index + 1]!)
        : undefined
      : this.ids![index];
    if (id === undefined) throw new InvalidArgumentError(`${this.kind} index`, `an integer in [0, ${this.size})`, index);
    return id;
  }

  /** All raw IDs in index order (a copy). */
  toArray(): string[] {
    const p = this.packed;
    if (!p) return [...this.ids!];
    const out = new Array<string>(this.size);
    for (let k = 0; k < out.length; k++) out[k] = p.text.slice(p.starts[k]!, p.starts[k + 1]!);
    return out;
  }

  toJSON(): string[] {
    return this.toArray();
  }
}

interface PackedIds {
  readonly text: string;
  readonly starts: Int32Array;
  /** Open addressing: index + 1 of the ID whose hash lands there (0: empty), linear probing. */
  readonly table: Int32Array;
  readonly mask: number;
}

/** FNV-1a over UTF-16 code units: the same value for a string and for the equal range of a text. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  return h >>> 0;
}
function hashRange(text: string, a: number, b: number): number {
  let h = 0x811c9dc5;
  for (let k = a; k < b; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h >>> 0;
}

/** compareIds of text[a1, b1) and text[a2, b2) (code-unit order) without making either string. */
function compareRanges(text: string, a1: number, b1: number, a2: number, b2: number): number {
  const n = Math.min(b1 - a1, b2 - a2);
  for (let k = 0; k < n; k++) {
    const d = text.charCodeAt(a1 + k) - text.charCodeAt(a2 + k);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return b1 - a1 < b2 - a2 ? -1 : b1 - a1 > b2 - a2 ? 1 : 0;
}

/** Code-unit order, the order `IdMap` uses; exported so other modules sort IDs the same way. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
