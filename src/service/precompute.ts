/** Every known user's best MAX_TOP_N items, computed once per model load, so POST /recommend is a lookup. */
import type { TrainedModel } from "../model/types";
import type { Recommendation, RecommendationStrategy } from "../recommend/types";
import { recommendForUser } from "../recommend/single";

/** One precomputed variant (rated items excluded, or not): row u holds user u's list, best first. */
interface Lists {
  readonly items: Int32Array;
  readonly scores: Float64Array;
  readonly counts: Int32Array;
}

/**
 * Top-k lists of every user with and without their training-rated items. Built with the library's own
 * `recommendForUser` (same scores, ties and bias-only fallback), so a prefix of length n is exactly its top-n:
 * the order (score descending, then item index) is total. Memory: 2 x users x k x 12 bytes (2.4 MB for 1000 users, k 100).
 */
export class PrecomputedRecommendations {
  readonly k: number;
  private readonly excluded: Lists;
  private readonly included: Lists;
  private readonly strategies: readonly RecommendationStrategy[];
  private readonly itemIdOf: readonly string[];

  private constructor(k: number, excluded: Lists, included: Lists, strategies: RecommendationStrategy[], itemIdOf: string[]) {
    this.k = k;
    this.excluded = excluded;
    this.included = included;
    this.strategies = strategies;
    this.itemIdOf = itemIdOf;
  }

  /**
   * Computes the lists of all users, yielding to the event loop every `chunk` users so a reload in a running
   * service does not stall the requests it is serving meanwhile.
   */
  static async build(model: TrainedModel, k: number, chunk = 50): Promise<PrecomputedRecommendations> {
    const nu = model.userIds.size;
    const lists = (): Lists => ({ items: new Int32Array(nu * k), scores: new Float64Array(nu * k), counts: new Int32Array(nu) });
    const excluded = lists(),
      included = lists();
    const strategies: RecommendationStrategy[] = new Array(nu);
    const ids = model.userIds.toArray();
    const itemIdOf = model.itemIds.toArray();
    const itemIndex = new Map(itemIdOf.map((id, i) => [id, i] as const));
    for (let u = 0; u < nu; u++) {
      if (u > 0 && u % chunk === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      for (const [target, includeRated] of [
        [excluded, false],
        [included, true],
      ] as const) {
        const r = recommendForUser(model, ids[u] as string, { top: k, includeRated });
        if (!includeRated) strategies[u] = r.strategy;
        target.counts[u] = r.recommendations.length;
        r.recommendations.forEach((rec, j) => {
          target.items[u * k + j] = itemIndex.get(rec.itemId) as number;
          target.scores[u * k + j] = rec.predictedRating;
        });
      }
    }
    return new PrecomputedRecommendations(k, excluded, included, strategies, itemIdOf);
  }

  /** The first `n` (<= k) recommendations of user index `u`, as `recommendForUser` would give them. */
  lookup(u: number, n: number, includeRated: boolean): { strategy: RecommendationStrategy; recommendations: Recommendation[] } {
    const l = includeRated ? this.included : this.excluded;
    const count = Math.min(n, l.counts[u] as number);
    const out = new Array<Recommendation>(count);
    const base = u * this.k;
    for (let j = 0; j < count; j++) {
      out[j] = { rank: j + 1, itemId: this.itemIdOf[l.items[base + j] as number] as string, predictedRating: l.scores[base + j] as number };
    }
    return { strategy: this.strategies[u] as RecommendationStrategy, recommendations: out };
  }
}
