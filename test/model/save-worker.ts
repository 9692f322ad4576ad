/**
 * A child process for the save fault tests: `node -r tsx/cjs save-worker.ts <mode> <dir> <seed> [gate]`.
 * mode "once": wait until the file <gate> exists (so many workers start saving at the same moment), save once.
 * mode "loop": print "ready", then save models into <dir> forever (until killed), alternating a fresh
 * directory <dir>/new-<k> and the existing <dir>/existing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { saveModel } from "../../src/model/persist";
import { makeModel } from "../service/fixtures";
import { IdMap } from "../../src/data/idmap";
import { ratedItemsFromLists } from "../../src/model/rated-items";
import type { TrainedModel } from "../../src/model/types";

/** A model big enough that a save takes a few milliseconds (a kill lands inside it often). */
export function biggerModel(seed: number, users = 2000, items = 500, dim = 16): TrainedModel {
  const base = makeModel(seed, dim);
  let x = (seed * 2654435761) >>> 0;
  const rnd = (): number => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x / 2 ** 32 - 0.5;
  };
  const f = (n: number): Float32Array => Float32Array.from({ length: n }, rnd);
  const ids = (p: string, n: number): string[] => Array.from({ length: n }, (_, k) => `${p}${String(k).padStart(6, "0")}`);
  return {
    ...base,
    weights: {
      dim,
      numUsers: users,
      numItems: items,
      userFactors: f(users * dim),
      itemFactors: f(items * dim),
      userBias: f(users),
      itemBias: f(items),
      globalBias: 3,
    },
    userIds: IdMap.fromIds("user", ids("U", users)),
    itemIds: IdMap.fromIds("item", ids("I", items)),
    ratedItems: ratedItemsFromLists(Array.from({ length: users }, (_, u) => [...new Set([u % items, (u * 7 + 1) % items])].sort((a, b) => a - b))),
    dataFingerprint: `bigger-${seed}`,
  };
}

if (require.main === module) {
  const [mode, dir, seedText, gate] = process.argv.slice(2);
  const seed = Number(seedText);
  if (mode === "once") {
    const model = biggerModel(seed, 300, 100, 8);
    process.stdout.write("ready\n");
    while (!fs.existsSync(gate as string)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    saveModel(model, dir as string);
  } else {
    const models = [biggerModel(seed), biggerModel(seed + 1)];
    process.stdout.write("ready\n");
    for (let k = 0; ; k++) saveModel(models[k % 2] as TrainedModel, path.join(dir as string, k % 2 === 0 ? `new-${k}` : "existing"));
  }
}
