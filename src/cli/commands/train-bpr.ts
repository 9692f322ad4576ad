/** `ewb train --objective bpr`: the ranking objective's half of `ewb train` (same data options, same model directory). */
import type { CommandContext } from "../command";
import { numberOption, optionGiven, stringOption, UsageError } from "../command";
import { round } from "../../util";
import { loadDataFromOptions } from "../data-options";
import { ProgressBar } from "../progress";
import { saveModel } from "../../model/persist";
import { servedModel } from "../served-model";
import { trainBpr, DEFAULT_BPR_HYPERPARAMETERS as B, type BprHyperparameters } from "../../model/bpr";
import { ndcgValidator } from "../../evaluate/topk";

/**
 * Trains BPR with its own defaults (DEFAULT_BPR_HYPERPARAMETERS), overridden only by the flags given
 * (--epochs --dim --lr --l2 --init-std --seed --patience --implicit-min-rating); MSE-only flags are refused.
 */
export async function trainBprFromOptions(opts: Readonly<Record<string, unknown>>, ctx: CommandContext): Promise<object> {
  const modelDir = stringOption(opts, "model");
  if (modelDir === undefined) throw new UsageError("Expected --model <dir> (where to save the trained model)");
  for (const flag of ["batch", "optimizer", "l2-rating", "bias-l2", "backend", "updates", "second-moment", "refit"]) {
    if (optionGiven(opts, flag))
      throw new UsageError(`Expected no --${flag} with --objective bpr (BPR trains by per-triple SGD on the typed-array kernel), but got one`);
  }
  const given = <K extends keyof BprHyperparameters>(key: K, flag: string, v: BprHyperparameters[K] | undefined): Partial<BprHyperparameters> =>
    v === undefined || !optionGiven(opts, flag) ? {} : { [key]: v };
  const minRatingText = optionGiven(opts, "implicit-min-rating") ? stringOption(opts, "implicit-min-rating") : undefined;
  let minRating: number | null | undefined;
  if (minRatingText !== undefined) {
    minRating = minRatingText === "all" ? null : Number(minRatingText);
    if (minRating !== null && !Number.isFinite(minRating))
      throw new UsageError(`Expected --implicit-min-rating to be all or a rating, but got ${JSON.stringify(minRatingText)}`);
  }
  const hyper: Partial<BprHyperparameters> = {
    ...given("epochs", "epochs", numberOption(opts, "epochs", true)),
    ...given("dim", "dim", numberOption(opts, "dim", true)),
    ...given("learningRate", "lr", numberOption(opts, "lr")),
    ...given("l2", "l2", numberOption(opts, "l2")),
    ...given("initStd", "init-std", numberOption(opts, "init-std")),
    ...given("seed", "seed", numberOption(opts, "seed", true)),
    ...given("earlyStoppingPatience", "patience", numberOption(opts, "patience", true)),
    ...(minRating === undefined ? {} : { minRating }),
  };
  const err = ctx.io.stderr;
  const data = await loadDataFromOptions(opts);
  for (const w of data.warnings) err.write(`ewb train: ${w}\n`);
  const bar = new ProgressBar(err, hyper.epochs ?? B.epochs, "training (BPR)");
  const t0 = performance.now();
  const model = await trainBpr(data.split, data.dataset, hyper, {
    validationMetric: ndcgValidator({ k: 10 }),
    onEpochEnd: (r) => bar.update(r.epoch + 1, `loss ${r.trainLoss.toFixed(4)}  val NDCG@10 ${Number.isFinite(r.valNdcg) ? r.valNdcg!.toFixed(4) : "-"}`),
  });
  const seconds = (performance.now() - t0) / 1000;
  bar.finish();
  saveModel(servedModel(model, data), modelDir);
  const h = model.history,
    last = h[model.bestEpoch];
  const result = {
    objective: "bpr",
    backend: model.backend,
    epochs: h.length,
    bestEpoch: model.bestEpoch,
    msPerEpoch: round((h.reduce((s, r) => s + r.seconds, 0) / Math.max(1, h.length)) * 1000, 3),
    trainLoss: round(last?.trainLoss ?? NaN, 5),
    valLoss: round(last?.valLoss ?? NaN, 5),
    valAuc: round(last?.valAuc ?? NaN, 5),
    valNdcg: round(last?.valNdcg ?? NaN, 5),
    implicitMinRating: model.implicitMinRating ?? null,
    seconds: round(seconds, 3),
    modelDir,
    data: data.info,
  };
  if (!ctx.json) {
    ctx.io.stdout.write(
      `Trained BPR on ${data.info.source}: ${data.info.train} training rows (${model.implicitMinRating === null ? "every interaction" : `ratings >= ${model.implicitMinRating}`} positive), ${data.info.validation} validation rows\n` +
        `${result.epochs} epochs (best ${result.bestEpoch}), ${result.msPerEpoch} ms/epoch, ${result.seconds} s; loss ${result.trainLoss}, val loss ${result.valLoss}, val NDCG@10 ${result.valNdcg}\n` +
        `saved to ${modelDir} (scores rank items; they are not ratings)\n`,
    );
  }
  return result;
}
