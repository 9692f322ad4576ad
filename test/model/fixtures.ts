/** Small datasets for the model tests: a seeded synthetic world and its split, built once. */
import type { Dataset, DataSplit, Interaction } from "../../src/data/types";
import { generateSyntheticDataset } from "../../src/data/generate";
import { datasetFromObjects } from "../../src/data/dataset";
import { randomSplit } from "../../src/data/split";
import { createRng } from "../../src/random";

let cached: { dataset: Dataset; split: DataSplit } | undefined;

/** The default synthetic dataset (1000 users, 500 items, ~50k ratings) and its default 80/20 split. */
export function syntheticSplit(): { dataset: Dataset; split: DataSplit } {
  if (!cached) {
    const dataset = generateSyntheticDataset();
    cached = { dataset, split: randomSplit(dataset.interactions, { seed: 42 }) };
  }
  return cached;
}

/** A tiny random dataset: `users` × `items` with about `density` of the pairs rated 1-5. */
export function tinyDataset(users: number, items: number, density: number, seed: number): { dataset: Dataset; split: DataSplit } {
  const rng = createRng(seed);
  const interactions: Interaction[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (rng.next() < density)
        interactions.push({ userId: `u${String(u).padStart(3, "0")}`, itemId: `i${String(i).padStart(3, "0")}`, rating: 1 + rng.int(5) });
    }
  }
  const dataset: Dataset = datasetFromObjects({
    interactions,
    users: Array.from({ length: users }, (_, u) => ({ userId: `u${String(u).padStart(3, "0")}` })),
    items: Array.from({ length: items }, (_, i) => ({ itemId: `i${String(i).padStart(3, "0")}` })),
    source: `tiny(seed=${seed})`,
  });
  const cut = Math.floor(interactions.length * 0.8);
  return { dataset, split: { train: interactions.slice(0, cut), validation: interactions.slice(cut) } };
}
