/** Heatmaps of cosine similarity: group x group means, and a user x user matrix ordered by group. */
import type { GroupSimilarity } from "../analysis/groups";
import type { EmbeddingMatrix } from "../analysis/embeddings";
import { checkMatrix } from "../analysis/embeddings";
import { cosineMatrix } from "../analysis/cosine";
import { InvalidArgumentError } from "../errors";
import { checkInteger } from "../validate";
import { createRng } from "../random";
import type { Figure } from "./types";
import { round } from "../util";

/** The group x group mean-similarity matrix as an annotated heatmap on a fixed -1..1 scale (comparable across models). */
export function groupHeatmapFigure(groups: GroupSimilarity, options: { title?: string } = {}): Figure {
  if (
    typeof groups !== "object" ||
    groups === null ||
    !Array.isArray(groups.labels) ||
    !Array.isArray(groups.matrix) ||
    groups.matrix.length !== groups.labels.length
  ) {
    throw new InvalidArgumentError("groups", "a GroupSimilarity (from groupSimilarity)", groups);
  }
  const z = (groups.matrix as readonly (readonly number[])[]).map((row) => row.map((v: number) => (Number.isFinite(v) ? round(v) : null)));
  return {
    data: [
      {
        type: "heatmap",
        x: [...groups.labels],
        y: [...groups.labels],
        z,
        zmin: -1,
        zmax: 1,
        colorscale: "RdBu",
        reversescale: true,
        // One label per cell: plotly.js takes a matrix here for heatmaps, which its type declarations do not say.
        text: z.map((row) => row.map((v: number | null) => (v === null ? "" : v.toFixed(2)))) as unknown as string[],
        texttemplate: "%{text}",
        hovertemplate: "%{y} vs %{x}: %{z}<extra></extra>",
      },
    ],
    layout: {
      title: { text: options.title ?? `Mean cosine similarity (within ${fmt(groups.within)}, across ${fmt(groups.across)})` },
      // automargin: the margins grow to fit the longest label ("fashion+sports" was clipped to "ashion+sports").
      xaxis: { automargin: true },
      yaxis: { autorange: "reversed", zeroline: false, automargin: true },
    },
  };
}

/**
 * User x user cosine similarity, rows and columns ordered by group, with up to `perGroup` users per group drawn by a
 * seeded sample (a 1000 x 1000 heatmap is heavy for a notebook). Group boundaries are drawn as lines.
 */
export function similarityMatrixFigure(
  matrix: EmbeddingMatrix,
  labels: readonly (string | null | undefined)[],
  options: { perGroup?: number; seed?: number; order?: readonly string[]; title?: string } = {},
): Figure {
  const m = checkMatrix(matrix);
  if (!Array.isArray(labels) || labels.length !== m.rows) throw new InvalidArgumentError("labels", `an array of ${m.rows} labels`, labels);
  const perGroup = checkInteger("options.perGroup", options.perGroup ?? 60, 1);
  const rng = createRng(options.seed ?? 0);
  const byLabel = new Map<string, number[]>();
  labels.forEach((l, r) => {
    if (typeof l === "string") (byLabel.get(l) ?? byLabel.set(l, []).get(l)!).push(r);
  });
  if (byLabel.size === 0) throw new InvalidArgumentError("labels", "at least one labelled row", "none");
  const order = [...(options.order ?? []).filter((l) => byLabel.has(l)), ...[...byLabel.keys()].filter((l) => !(options.order ?? []).includes(l)).sort()];
  const picked: number[] = [];
  const bounds: { label: string; start: number; end: number }[] = [];
  for (const l of order) {
    const rows = [...(byLabel.get(l) as number[])];
    rng.shuffle(rows);
    const take = rows.slice(0, perGroup).sort((a, b) => a - b);
    bounds.push({ label: l, start: picked.length, end: picked.length + take.length });
    picked.push(...take);
  }
  const sub = new Float64Array(picked.length * m.dim);
  picked.forEach((r, j) => {
    for (let k = 0; k < m.dim; k++) sub[j * m.dim + k] = m.data[r * m.dim + k] as number;
  });
  const sims = cosineMatrix({ rows: picked.length, dim: m.dim, data: sub });
  const n = picked.length;
  const z: number[][] = [];
  for (let a = 0; a < n; a++) z.push(Array.from(sims.subarray(a * n, (a + 1) * n), (v) => round(v)));
  const shapes = bounds.slice(1).flatMap((b) => [
    { type: "line" as const, x0: b.start - 0.5, x1: b.start - 0.5, y0: -0.5, y1: n - 0.5, line: { color: "black", width: 1 } },
    { type: "line" as const, y0: b.start - 0.5, y1: b.start - 0.5, x0: -0.5, x1: n - 0.5, line: { color: "black", width: 1 } },
  ]);
  const tickvals = bounds.map((b) => (b.start + b.end - 1) / 2);
  const ticktext = bounds.map((b) => b.label);
  return {
    data: [{ type: "heatmap", z, zmin: -1, zmax: 1, colorscale: "RdBu", reversescale: true, hovertemplate: "%{z}<extra></extra>" }],
    layout: {
      title: { text: options.title ?? `Cosine similarity, ${n} users ordered by group` },
      xaxis: { tickvals, ticktext, zeroline: false, automargin: true },
      yaxis: { tickvals, ticktext, autorange: "reversed", scaleanchor: "x", zeroline: false, automargin: true },
      shapes,
    },
  };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : "n/a";
}
