/** Live outputs in a notebook: one area rewritten in place, e.g. the losses while a model trains. */
import { InvalidArgumentError } from "../errors";
import { checkInteger, checkString } from "../validate";
import { inKernel, internalWriter, requireTslab, sessionState } from "./kernel";

/** One output area that each {@link LiveOutput.update} overwrites (e.g. the loss line during training). */
export interface LiveOutput {
  /** Replaces the area's content with `text`, or with `html` where the front end shows HTML (text stays the fallback). */
  update(text: string, html?: string): void;
}

/** Creates a live output area in the running tslab kernel. */
export function createLiveOutput(): LiveOutput {
  const area = requireTslab().newDisplay();
  // A display id of our own, for the multi-MIME path: the first write creates the output, later ones replace it.
  const displayId = `ewb-live-${process.pid}-${++sessionState().figures}`;
  let written = false;
  return {
    update: (text: string, html?: string) => {
      checkString("text", text, true);
      const writer = internalWriter();
      if (html !== undefined && writer) {
        writer({ data: { "text/html": checkString("html", html), "text/plain": text }, metadata: {}, transient: { display_id: displayId } }, written);
        written = true;
        return;
      }
      inKernel("a live output", () => area.text(text));
    },
  };
}

/**
 * An `onEpochEnd` callback for trainModel that shows the losses live in one output area: a line of numbers
 * and a sparkline of both losses so far (blue train, orange validation), rewritten after every epoch.
 */
export function trainingProgress(epochs: number, label = ""): (record: { epoch: number; trainLoss: number; valLoss: number }) => void {
  checkInteger("epochs", epochs, 1);
  const live = createLiveOutput();
  const seen: { trainLoss: number; valLoss: number }[] = [];
  return (r) => {
    seen.push({ trainLoss: r.trainLoss, valLoss: r.valLoss });
    const text = `${label ? `${label}: ` : ""}epoch ${r.epoch + 1}/${epochs}   train MSE ${r.trainLoss.toFixed(4)}   validation MSE ${r.valLoss.toFixed(4)}`;
    live.update(text, `<div>${lossSparklineSvg(seen, epochs)}<br><code>${text.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</code></div>`);
  };
}

/**
 * A small SVG of train and validation loss so far (log scale), for a live output during training: no
 * JavaScript, so it shows in every front end and in the HTML report. `epochs` is the planned total.
 */
export function lossSparklineSvg(
  history: readonly { trainLoss: number; valLoss: number }[],
  epochs: number,
  options: { width?: number; height?: number } = {},
): string {
  if (!Array.isArray(history)) throw new InvalidArgumentError("history", "an array of epoch records", history);
  checkInteger("epochs", epochs, 1);
  const width = checkInteger("width", options.width ?? 360, 50);
  const height = checkInteger("height", options.height ?? 90, 30);
  const values = history.flatMap((h) => [h.trainLoss, h.valLoss]).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.log(values.length ? Math.min(...values) : 1);
  const hi = Math.log(values.length ? Math.max(...values) : 10);
  const pad = 4;
  const x = (e: number) => pad + ((width - 2 * pad) * e) / Math.max(1, epochs - 1);
  const y = (v: number) => pad + (height - 2 * pad) * (hi === lo ? 0.5 : (hi - Math.log(v)) / (hi - lo));
  const line = (key: "trainLoss" | "valLoss") =>
    history
      .map((h, e) => [e, h[key]] as const)
      .filter(([, v]) => Number.isFinite(v) && v > 0)
      .map(([e, v]) => `${x(e).toFixed(1)},${y(v).toFixed(1)}`)
      .join(" ");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" class="ewb-sparkline">` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fafafa" stroke="#ddd"/>` +
    `<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${line("trainLoss")}"/>` +
    `<polyline fill="none" stroke="#ff7f0e" stroke-width="1.5" points="${line("valLoss")}"/>` +
    `</svg>`
  );
}
