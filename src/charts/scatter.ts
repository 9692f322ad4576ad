/** 2-D embedding scatter plots coloured by group, several panels side by side (random beside trained). */
import type { PcaResult } from "../analysis/pca";
import { InvalidArgumentError } from "../errors";
import { type Figure, labelStyles } from "./types";
import { round } from "../util";

/** One panel: 2-D coordinates (a PCA result with at least 2 components) and a label per row. */
export interface ScatterPanel {
  readonly title: string;
  readonly projection: PcaResult;
  readonly labels: readonly (string | null | undefined)[];
  /** Optional hover text per row, e.g. raw IDs. */
  readonly names?: readonly string[];
}

/**
 * Panels side by side, one trace per (panel, group); a group has the same colour in every panel and one legend entry.
 * Axes titles carry each component's share of the variance.
 */
export function embeddingScatterFigure(panels: readonly ScatterPanel[], options: { title?: string; order?: readonly string[] } = {}): Figure {
  if (!Array.isArray(panels) || panels.length === 0) throw new InvalidArgumentError("panels", "a non-empty array of scatter panels", panels);
  const allLabels = new Set<string>();
  panels.forEach((p, j) => {
    if (typeof p !== "object" || p === null || typeof p.projection !== "object" || p.projection === null || p.projection.components < 2) {
      throw new InvalidArgumentError(`panels[${j}].projection`, "a PCA result with at least 2 components", p?.projection);
    }
    if (!Array.isArray(p.labels) || p.labels.length !== p.projection.rows) {
      throw new InvalidArgumentError(`panels[${j}].labels`, `an array of ${p.projection.rows} labels`, p.labels);
    }
    if (p.names !== undefined && (!Array.isArray(p.names) || p.names.length !== p.projection.rows)) {
      throw new InvalidArgumentError(`panels[${j}].names`, `an array of ${p.projection.rows} names`, p.names);
    }
    (p.labels as readonly (string | null | undefined)[]).forEach((l) => {
      if (typeof l === "string") allLabels.add(l);
    });
  });
  const order = [...(options.order ?? []).filter((l) => allLabels.has(l)), ...[...allLabels].filter((l) => !(options.order ?? []).includes(l)).sort()];
  const styles = labelStyles(order);
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = { title: { text: options.title ?? "Embeddings, first two principal components" }, annotations: [] };
  // One legend entry per label, on the first panel that draws it (a label may be missing from the first panel,
  // e.g. items have a "fashion+sports" category that users do not). The legend sits at the right, clear of the axes.
  const inLegend = new Set<string>();
  const gap = 0.06,
    width = (1 - gap * (panels.length - 1)) / panels.length;
  panels.forEach((p, j) => {
    const suffix = j === 0 ? "" : String(j + 1);
    const K = p.projection.components,
      c = p.projection.coordinates;
    order.forEach((label) => {
      const rows: number[] = [];
      (p.labels as readonly (string | null | undefined)[]).forEach((l, r) => {
        if (l === label) rows.push(r);
      });
      if (rows.length === 0) return;
      data.push({
        type: "scatter",
        mode: "markers",
        name: label,
        legendgroup: label,
        showlegend: !inLegend.has(label),
        x: rows.map((r) => round(c[r * K] as number, 4)),
        y: rows.map((r) => round(c[r * K + 1] as number, 4)),
        marker: { color: styles.get(label)!.colour, symbol: styles.get(label)!.symbol, size: 5, opacity: 0.7 },
        ...(p.names ? { text: rows.map((r) => p.names![r]) } : {}),
        xaxis: `x${suffix}`,
        yaxis: `y${suffix}`,
      });
      inLegend.add(label);
    });
    const ratio = p.projection.explainedRatio;
    layout[`xaxis${suffix}`] = { domain: [j * (width + gap), j * (width + gap) + width], title: { text: `PC1 (${pct(ratio[0])})` }, zeroline: false };
    layout[`yaxis${suffix}`] = { anchor: `x${suffix}`, title: { text: `PC2 (${pct(ratio[1])})` }, zeroline: false };
    (layout.annotations as unknown[]).push({
      text: p.title,
      showarrow: false,
      xref: "paper",
      yref: "paper",
      x: j * (width + gap) + width / 2,
      y: 1.06,
      xanchor: "center",
    });
  });
  return { data, layout };
}

function pct(x: number | undefined): string {
  return x === undefined ? "?" : `${(x * 100).toFixed(1)}%`;
}
