/**
 * Bench helper: a seeded planted-group ratings file at any size, written straight to disk (raw string IDs with gaps,
 * like real exports), for measuring the readers at 1M-25M rows. Not the workbook's generator (src/data/generate.ts):
 * it never holds the rows in memory.
 *
 * Users fall into `groups` blocks, items into as many categories; a user rates items of its group's category
 * higher (mean 4.2) than others (mean 2.6), rounded to the scale. Each user rates about ratings/users distinct
 * items (sampled without replacement per user), rows grouped by user as in MovieLens' ratings.csv.
 */
import { createWriteStream, existsSync, promises as fs } from "node:fs";
import { once } from "node:events";
import * as os from "node:os";
import * as path from "node:path";
import { createRng } from "../src/random";

export interface PlantedShape {
  readonly ratings: number;
  readonly users: number;
  readonly items: number;
  readonly groups?: number;
  readonly seed?: number;
  /** "csv": user_id,item_id,rating (the workbook's file); "ratings.csv": MovieLens' userId,movieId,rating,timestamp in half stars. */
  readonly format?: "csv" | "ratings.csv";
}

/** The shapes of issue 11's table. */
export const SCALE_SHAPES: Record<string, PlantedShape> = {
  "1M": { ratings: 1_000_000, users: 6_000, items: 3_700 },
  "5M": { ratings: 5_000_000, users: 50_000, items: 10_000 },
  "20M": { ratings: 20_000_000, users: 160_000, items: 60_000 },
  "25M": { ratings: 25_000_000, users: 160_000, items: 60_000, format: "ratings.csv" },
};

/** Writes the file and returns the exact number of rows written (the per-user counts are rounded). */
export async function writePlantedRatings(path: string, shape: PlantedShape): Promise<{ rows: number; bytes: number }> {
  const groups = shape.groups ?? 4;
  const rng = createRng(shape.seed ?? 11);
  const ml = shape.format === "ratings.csv";
  // IDs with gaps (and, for users, a prefix), so indices are not the IDs.
  const userId = (u: number): string => (ml ? String(1 + u * 3) : `U${100000 + u * 7}`);
  const itemId = (i: number): string => (ml ? String(1 + i * 2) : `I${10000 + i * 3}`);
  const out = createWriteStream(path);
  let buf = ml ? "userId,movieId,rating,timestamp\n" : "user_id,item_id,rating\n";
  let rows = 0,
    bytes = 0;
  const perUser = shape.ratings / shape.users;
  const itemsPerGroup = Math.ceil(shape.items / groups);
  const picked = new Set<number>();
  for (let u = 0; u < shape.users; u++) {
    const g = Math.floor((u * groups) / shape.users);
    // n_u distinct items: the remaining ratings spread over the remaining users, +-50%, at most items.
    const left = shape.ratings - rows,
      usersLeft = shape.users - u;
    const mean = usersLeft === 1 ? left : Math.min(left, perUser);
    const n = Math.min(shape.items, usersLeft === 1 ? left : Math.max(1, Math.round(mean * (0.5 + rng.next()))));
    picked.clear();
    // Floyd's sampling of n distinct items out of shape.items.
    for (let j = shape.items - n; j < shape.items; j++) {
      const t = rng.int(j + 1);
      picked.add(picked.has(t) ? j : t);
    }
    const uid = userId(u);
    for (const i of picked) {
      const preferred = Math.floor(i / itemsPerGroup) === g;
      const latent = (preferred ? 4.2 : 2.6) + (rng.next() + rng.next() + rng.next() - 1.5) * 1.2;
      const r = ml ? Math.min(5, Math.max(0.5, Math.round(latent * 2) / 2)) : Math.min(5, Math.max(1, Math.round(latent)));
      buf += ml ? `${uid},${itemId(i)},${r.toFixed(1)},${1_000_000_000 + rows}\n` : `${uid},${itemId(i)},${r}\n`;
      rows++;
    }
    if (buf.length > 1 << 20) {
      bytes += Buffer.byteLength(buf);
      if (!out.write(buf)) await once(out, "drain");
      buf = "";
    }
  }
  bytes += Buffer.byteLength(buf);
  out.end(buf);
  await once(out, "finish");
  return { rows, bytes };
}

/** The planted file of SCALE_SHAPES[size] in the shared temp folder (os.tmpdir()/ewb-scale), written once and reused. */
export async function plantedFile(size: string): Promise<{ file: string; movielens: boolean }> {
  const shape = SCALE_SHAPES[size];
  if (!shape) throw new Error(`unknown size ${size}; one of ${Object.keys(SCALE_SHAPES).join(", ")}`);
  const dir = path.join(os.tmpdir(), "ewb-scale");
  await fs.mkdir(dir, { recursive: true });
  const movielens = (shape.format ?? "csv") === "ratings.csv";
  const file = path.join(dir, `planted-${size}.${movielens ? "ratings.csv" : "csv"}`);
  if (!existsSync(file)) {
    // Written under another name and renamed, so an interrupted run never leaves half a file to be reused.
    const part = `${file}.${process.pid}.part`;
    await writePlantedRatings(part, shape);
    await fs.rename(part, file);
  }
  return { file, movielens };
}
