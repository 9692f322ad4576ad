/** `ewb train`: trains the MF model on a dataset (file or MySQL), saves it with its ID maps, reports the numbers. */
import type { Command } from "../command";
import { round } from "../../util";
import { numberOption, stringOption, UsageError } from "../command";
import { DATA_OPTIONS, loadDataFromOptions } from "../data-options";
import { ProgressBar } from "../progress";
import { trainModel, trainAndRefit, DEFAULT_HYPERPARAMETERS } from "../../model/train";
import { saveModel } from "../../model/persist";
import { servedModel } from "../served-model";
import { metricsFrom } from "../../model/predict";
import { predictModel } from "../../model/neural-score";
import { BACKENDS, BACKEND_ENV } from "../../model/backend";
import { indexedSplit } from "../../data/indexed";
import type { EpochRecord, Hyperparameters, TrainedModel } from "../../model/types";
import { trainBprFromOptions } from "./train-bpr";

const D = DEFAULT_HYPERPARAMETERS;

export const trainCommand: Command = {
  name: "train",
  summary: "Train the matrix-factorisation model (per-epoch losses) and save it with its ID maps",
  usage: "--data <file> | --mysql  --model <dir> [--format movielens] [--test <file>] [--epochs N --dim N --lr X --batch N --l2 X --seed N]",
  options: {
    ...DATA_OPTIONS,
    seed: { type: "string", placeholder: "<n>", description: "seed of the split, the initial weights and the shuffles", default: String(D.seed) },
    model: { type: "string", placeholder: "<dir>", description: "directory to save the model in (replaced atomically)" },
    epochs: { type: "string", placeholder: "<n>", description: "training epochs", default: String(D.epochs) },
    dim: { type: "string", placeholder: "<n>", description: "embedding dimensions", default: String(D.dim) },
    lr: { type: "string", placeholder: "<x>", description: "learning rate", default: String(D.learningRate) },
    batch: { type: "string", placeholder: "<n>", description: "mini-batch size; 0 = full batch (the blog: 256)", default: String(D.batchSize) },
    l2: { type: "string", placeholder: "<x>", description: "L2 regularisation (as PyTorch weight_decay)", default: String(D.l2) },
    "l2-rating": {
      type: "string",
      placeholder: "<x>",
      description: `per-rating L2 on the factors (default ${D.l2PerRating ?? 0}; 0 for --layers and --model-type neural, which cannot apply it)`,
    },
    "bias-l2": {
      type: "string",
      placeholder: "<x>",
      description: `shrinkage of the biases re-estimated after training, b_i = sum of residuals / (n_i + x): an item with few ratings cannot carry a large bias (default ${D.biasL2 ?? 0}; 0 = off; no effect on --model-type neural)`,
    },
    optimizer: { type: "string", placeholder: "adam|sgd", description: "optimiser (sgd with --batch 1 is per-interaction SGD)", default: D.optimizer },
    updates: {
      type: "string",
      placeholder: "lazy|dense",
      description: `Adam's updates: lazy = only the rows each batch uses (epoch cost linear in the data), dense = every row every step (default ${D.updates ?? "lazy"}; dense for --layers and --model-type neural)`,
    },
    "second-moment": {
      type: "string",
      placeholder: "per-row|per-weight",
      description: `Adam's second moment of the factors: per-row = one per embedding row, the mean of its squared gradient (FBGEMM's partial row-wise Adam: a quarter less memory per row, each step moves fewer bytes), per-weight = Adam as published (default ${D.secondMoment ?? "per-weight"}; per-weight on a TF.js backend, --layers and --model-type neural)`,
    },
    "init-std": { type: "string", placeholder: "<x>", description: "standard deviation of the initial factors", default: String(D.initStd) },
    patience: {
      type: "string",
      placeholder: "<n>",
      description: "early stopping: stop after N epochs without validation gain and keep the best (0 = off)",
      default: String(D.earlyStoppingPatience),
    },
    refit: { type: "boolean", description: "refit on every interaction after validation chose the epochs (the default; kept for explicitness)" },
    "no-refit": {
      type: "boolean",
      description:
        'save the model trained on the training part only (fittedOn "train"), whose validation figures are its own and which `ewb evaluate` can score on the held-out rows. By default, once validation (early stopping) has chosen the number of epochs, the model is trained again on every interaction (training + validation rows) and that one is saved, marked fittedOn "all": a model to serve should see all the data (MovieLens u1..u5: mean test RMSE 0.906 with the refit, 0.917 without). With --test <file> there is no refit: the test rows stay unseen',
    },
    backend: {
      type: "string",
      placeholder: "<name>",
      description: `training backend: ${BACKENDS.join(", ")} (default: $${BACKEND_ENV}, else the fastest available)`,
    },
    objective: {
      type: "string",
      placeholder: "mse|bpr",
      description: "mse: predict ratings; bpr: rank (pairwise, sampled negatives; its own defaults)",
      default: "mse",
    },
    "implicit-min-rating": {
      type: "string",
      placeholder: "all|<rating>",
      description: "with --objective bpr: which ratings are positive interactions",
      default: "all",
    },
    "model-type": {
      type: "string",
      placeholder: "mf|neural",
      description: "mf: biased matrix factorisation; neural: embeddings concatenated into dense ReLU layers (tf.layers)",
      default: "mf",
    },
    layers: { type: "boolean", description: "train the MF model as a tf.layers model (model.fitDataset) on a TF.js backend" },
    hidden: { type: "string", placeholder: "<n,n,...>", description: "neural: hidden layer sizes", default: "50" },
    dropout: { type: "string", placeholder: "<x>", description: "neural: dropout after each hidden layer", default: "0" },
  },
  async run(opts, ctx) {
    const objective = stringOption(opts, "objective") ?? "mse";
    if (objective !== "mse" && objective !== "bpr") throw new UsageError(`Expected --objective to be mse or bpr, but got ${JSON.stringify(objective)}`);
    if (objective === "bpr") return trainBprFromOptions(opts, ctx);
    const modelDir = stringOption(opts, "model");
    if (modelDir === undefined) throw new UsageError("Expected --model <dir> (where to save the trained model)");
    const optimizer = stringOption(opts, "optimizer") ?? D.optimizer;
    if (optimizer !== "adam" && optimizer !== "sgd") throw new UsageError(`Expected --optimizer to be adam or sgd, but got ${JSON.stringify(optimizer)}`);
    const updates = stringOption(opts, "updates") ?? (opts["model-type"] === "neural" || opts.layers === true ? "dense" : (D.updates ?? "lazy"));
    if (updates !== "lazy" && updates !== "dense") throw new UsageError(`Expected --updates to be lazy or dense, but got ${JSON.stringify(updates)}`);
    const secondMoment = stringOption(opts, "second-moment");
    if (secondMoment !== undefined && secondMoment !== "per-row" && secondMoment !== "per-weight")
      throw new UsageError(`Expected --second-moment to be per-row or per-weight, but got ${JSON.stringify(secondMoment)}`);
    const hyper: Partial<Hyperparameters> = {
      epochs: numberOption(opts, "epochs", true, { min: 1 }) ?? D.epochs,
      dim: numberOption(opts, "dim", true, { min: 1 }) ?? D.dim,
      learningRate: numberOption(opts, "lr", false, { above: 0 }) ?? D.learningRate,
      batchSize: numberOption(opts, "batch", true, { min: 0 }) ?? D.batchSize,
      l2: numberOption(opts, "l2", false, { min: 0 }) ?? D.l2,
      l2PerRating: numberOption(opts, "l2-rating", false, { min: 0 }) ?? (opts["model-type"] === "neural" || opts.layers === true ? 0 : (D.l2PerRating ?? 0)),
      biasL2: numberOption(opts, "bias-l2", false, { min: 0 }) ?? (opts["model-type"] === "neural" ? 0 : (D.biasL2 ?? 0)),
      optimizer,
      updates,
      ...(secondMoment === undefined ? {} : { secondMoment }),
      initStd: numberOption(opts, "init-std", false, { min: 0 }) ?? D.initStd,
      seed: numberOption(opts, "seed", true, { min: 0 }) ?? D.seed,
      earlyStoppingPatience: numberOption(opts, "patience", true, { min: 0 }) ?? D.earlyStoppingPatience,
    };
    const backend = stringOption(opts, "backend");
    const modelType = stringOption(opts, "model-type") ?? "mf";
    if (modelType !== "mf" && modelType !== "neural") throw new UsageError(`Expected --model-type to be mf or neural, but got ${JSON.stringify(modelType)}`);
    const hiddenText = stringOption(opts, "hidden") ?? "50";
    const hiddenSizes = hiddenText.split(",").map((t) => Number(t.trim()));
    if (hiddenSizes.some((h) => !Number.isInteger(h) || h < 1))
      throw new UsageError(`Expected --hidden to be layer sizes like 64 or 64,32, but got ${JSON.stringify(hiddenText)}`);
    const neural = { hiddenSizes, dropout: numberOption(opts, "dropout") ?? 0 };
    const err = ctx.io.stderr;

    const tLoad = performance.now();
    const data = await loadDataFromOptions(opts);
    for (const w of data.warnings) err.write(`ewb train: ${w}\n`);
    const loadSeconds = (performance.now() - tLoad) / 1000;

    const bar = new ProgressBar(err, hyper.epochs!, "training");
    const t0 = performance.now();
    if (opts.refit === true && opts["no-refit"] === true) throw new UsageError("Expected at most one of --refit and --no-refit");
    const refit = opts["no-refit"] !== true && data.info.split !== "test-file";
    const onEpochEnd = (r: EpochRecord): void => bar.update(r.epoch + 1, `train ${r.trainLoss.toFixed(4)}  val ${r.valLoss.toFixed(4)}`);
    let model: TrainedModel, saved: TrainedModel;
    if (refit) {
      let refitBar: ProgressBar | undefined;
      const both = await trainAndRefit(data.split, data.dataset, hyper, {
        ...(backend !== undefined ? { backend } : {}),
        modelType,
        layers: opts.layers === true,
        neural,
        onEpochEnd,
        onRefitStart: (epochs) => {
          bar.finish();
          refitBar = new ProgressBar(err, epochs, "refit on all");
        },
        onRefitEpochEnd: (r) => refitBar?.update(r.epoch + 1, `train ${r.trainLoss.toFixed(4)}`),
      });
      refitBar?.finish();
      model = both.validated;
      saved = both.final;
    } else {
      model = saved = await trainModel(data.split, data.dataset, hyper, {
        ...(backend !== undefined ? { backend } : {}),
        modelType,
        layers: opts.layers === true,
        neural,
        onEpochEnd,
      });
    }
    const seconds = (performance.now() - t0) / 1000;
    bar.finish();

    // Validation figures are those of the validated model (a refit model has seen every row).
    // The split's indexed rows (over the dataset's maps, which the model's are): no row objects at any size.
    const { train, validation: val } = indexedSplit(data.dataset, data.split);
    const trainM = metricsFrom(predictModel(model, train.users, train.items), train.ratings);
    const valM = metricsFrom(predictModel(model, val.users, val.items), val.ratings);
    saveModel(servedModel(saved, data), modelDir);

    const h = model.history;
    const msPerEpoch = (h.reduce((s, r) => s + r.seconds, 0) / Math.max(1, h.length)) * 1000;
    const result = {
      modelType: model.modelType ?? "mf",
      backend: model.backend,
      epochs: h.length,
      bestEpoch: model.bestEpoch,
      msPerEpoch: round(msPerEpoch, 3),
      trainMse: round(trainM.mse, 5),
      valMse: round(valM.mse, 5),
      valRmse: round(valM.rmse, 5),
      valMae: round(valM.mae, 5),
      validationRows: valM.count,
      seconds: round(seconds, 3),
      loadSeconds: round(loadSeconds, 3),
      peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
      modelDir,
      fittedOn: saved.fittedOn ?? "train",
      savedEpochs: saved.history.length,
      hyperparameters: model.hyperparameters,
      data: data.info,
    };
    if (!ctx.json) {
      const out = ctx.io.stdout;
      out.write(
        `Trained on ${data.info.source}: ${data.info.train} training rows, ${valM.count} ${data.info.split === "test-file" ? "test" : "validation"} rows, ${data.info.users} users, ${data.info.items} items\n`,
      );
      out.write(`backend ${result.backend}, ${result.epochs} epochs (best ${result.bestEpoch}), ${result.msPerEpoch} ms/epoch, ${result.seconds} s\n`);
      out.write(
        `train MSE ${result.trainMse}  ${data.info.split === "test-file" ? "test" : "val"} MSE ${result.valMse}  RMSE ${result.valRmse}  MAE ${result.valMae}\n`,
      );
      if (refit)
        out.write(
          `refit on all ${data.info.train + valM.count} interactions for ${saved.history.length} epochs (chosen by validation); the saved model is fitted on all data\n`,
        );
      out.write(`peak RSS ${result.peakRssMb} MB; saved to ${modelDir}\n`);
    }
    return result;
  },
};
