/** Small hand-made models for the service tests, saved in the real model format into temporary directories. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { IdMap } from "../../src/data/idmap";
import { createRng } from "../../src/random";
import type { TrainedModel } from "../../src/model/types";
import { saveModel } from "../../src/model/persist";
import { ratedItemsFromLists } from "../../src/model/rated-items";

export const USER_IDS = ["U10001", "U10004", "U10009", "U10020", "U10021"];
export const ITEM_IDS = ["FASH2003", "FASH2010", "SPRT4001", "SPRT4007", "TECH1001", "TECH1005", "TECH1042"];

/** A model with seeded random weights over USER_IDS x ITEM_IDS; user U10021 has no training ratings. */
export function makeModel(seed = 7, dim = 4, trainedAt = "2026-01-02T03:04:05.000Z"): TrainedModel {
  const rng = createRng(seed);
  const nu = USER_IDS.length,
    ni = ITEM_IDS.length;
  const f = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
  const weights = {
    dim,
    numUsers: nu,
    numItems: ni,
    userFactors: f(nu * dim),
    itemFactors: f(ni * dim),
    userBias: f(nu),
    itemBias: f(ni),
    globalBias: 3.5,
  };
  const ratedItems = ratedItemsFromLists([[0, 4], [1], [2, 3, 6], [5], []]);
  return {
    weights,
    userIds: IdMap.fromIds("user", USER_IDS),
    itemIds: IdMap.fromIds("item", ITEM_IDS),
    hyperparameters: { dim, epochs: 1, learningRate: 0.1, batchSize: 0, l2: 0, optimizer: "adam", initStd: 1, seed, earlyStoppingPatience: 0 },
    history: [],
    bestEpoch: 0,
    backend: "test-fixture",
    dataFingerprint: `fixture-${seed}`,
    trainedAt,
    ratedItems,
  };
}

/** Saves `model` with the real `saveModel` into directory `name` under `root`; returns the directory. */
export function writeModel(root: string, name: string, model: TrainedModel): string {
  const dir = path.join(root, name);
  saveModel(model, dir);
  return dir;
}

export function tempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "ewb-service-"));
}
