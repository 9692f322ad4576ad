/**
 * A MovieLens folder or file with what it says about films and users: ml-100k's u.data + u.item (titles, 19 genre
 * flags) + u.user (age, gender, occupation), or ml-latest's ratings.csv + movies.csv (titles, "A|B" genres).
 * The ratings are read by movielens.ts; this file finds them and adds `Dataset.labels`. Files are only read.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { DataFormatError, StorageError } from "../errors";
import { checkString } from "../validate";
import { labelSet, type DatasetLabels, type LabelSet } from "./labels";
import { readMovieLens, type MovieLensLayout } from "./movielens";
import type { Dataset } from "./types";

/** ml-100k's genres in u.item's flag order (used when the folder has no u.genre). */
export const ML100K_GENRES = [
  "unknown",
  "Action",
  "Adventure",
  "Animation",
  "Children's",
  "Comedy",
  "Crime",
  "Documentary",
  "Drama",
  "Fantasy",
  "Film-Noir",
  "Horror",
  "Musical",
  "Mystery",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "War",
  "Western",
] as const;

/** Where the ratings and the side files of a MovieLens path are. */
export interface MovieLensFiles {
  readonly ratings: string;
  readonly items?: string;
  readonly users?: string;
  readonly genres?: string;
}

/**
 * The files of a MovieLens path. A folder: its u.data, else its ratings.csv (an error names both when neither is
 * there). A file (u.data, u1.base, ratings.csv, ...): that file. Either way, u.item / movies.csv, u.user and u.genre
 * next to the ratings are used when present.
 */
export async function findMovieLensFiles(p: string): Promise<MovieLensFiles> {
  checkString("path", p);
  const stat = await statOrThrow(p);
  const dir = stat.isDirectory() ? p : path.dirname(p);
  let ratings = p;
  if (stat.isDirectory()) {
    const found = (await exists(path.join(p, "u.data"))) ? "u.data" : (await exists(path.join(p, "ratings.csv"))) ? "ratings.csv" : undefined;
    if (!found) throw new DataFormatError({ source: p }, "expected a MovieLens folder with u.data (ml-100k) or ratings.csv (ml-latest), but it has neither");
    ratings = path.join(p, found);
  }
  const csvStyle = path.basename(ratings).endsWith(".csv");
  const side = async (name: string): Promise<string | undefined> => ((await exists(path.join(dir, name))) ? path.join(dir, name) : undefined);
  const items = await side(csvStyle ? "movies.csv" : "u.item");
  const users = csvStyle ? undefined : await side("u.user");
  const genres = csvStyle ? undefined : await side("u.genre");
  return { ratings, ...(items ? { items } : {}), ...(users ? { users } : {}), ...(genres ? { genres } : {}) };
}

/**
 * Reads a MovieLens folder or file with its labels: item genres (a film has one or more), item titles and, for
 * ml-100k, user attributes ("age" in bands, "gender", "occupation"). Without side files, the ratings alone.
 *
 * @example
 * const ml = await readMovieLensFolder("path/to/ml-100k");
 * ml.labels.itemTitles.get("1") //=> "Toy Story (1995)"
 * ml.labels.items.of.get("1")   //=> ["Animation", "Children's", "Comedy"]
 */
export async function readMovieLensFolder(p: string, layout: MovieLensLayout = "auto"): Promise<Dataset> {
  const files = await findMovieLensFiles(p);
  const ratings = await readMovieLens(files.ratings, layout);
  const labels: { items?: LabelSet; itemTitles?: ReadonlyMap<string, string>; userAttributes?: Record<string, LabelSet> } = {};
  if (files.items) {
    const csv = files.items.endsWith(".csv");
    const genres = csv ? [] : files.genres ? await readUGenre(files.genres) : ML100K_GENRES;
    const films = csv ? await readMoviesCsv(files.items) : await readUItem(files.items, genres);
    labels.items = labelSet(
      "genre",
      films.map((f) => [f.id, f.genres] as const),
      genres,
    );
    labels.itemTitles = new Map(films.map((f) => [f.id, f.title]));
  }
  if (files.users) labels.userAttributes = await readUUser(files.users);
  const out: DatasetLabels = labels;
  return Object.keys(out).length === 0 ? ratings : { ...ratings, labels: out };
}

interface Film {
  readonly id: string;
  readonly title: string;
  readonly genres: readonly string[];
}

/** u.item: `id|title|release|video release|IMDb URL|19 genre flags`, Latin-1 (ml-100k's titles have accents). */
async function readUItem(file: string, genres: readonly string[]): Promise<Film[]> {
  const lines = (await readText(file, "latin1")).split(/\r?\n/);
  const films: Film[] = [];
  lines.forEach((line, k) => {
    if (line === "") return;
    const f = line.split("|");
    if (f.length !== 5 + genres.length) {
      throw new DataFormatError(
        { source: file, line: k + 1 },
        `expected ${5 + genres.length} |-separated fields (id|title|release|video|URL|${genres.length} genre flags), but found ${f.length}`,
      );
    }
    const flags = f.slice(5);
    flags.forEach((v, g) => {
      if (v !== "0" && v !== "1")
        throw new DataFormatError({ source: file, line: k + 1, field: genres[g] }, `expected a genre flag 0 or 1, but found ${JSON.stringify(v)}`);
    });
    films.push({ id: f[0]!, title: f[1]!, genres: genres.filter((_, g) => flags[g] === "1") });
  });
  return films;
}

/** u.genre: `name|index` lines, in index order. */
async function readUGenre(file: string): Promise<string[]> {
  const names: string[] = [];
  (await readText(file, "latin1")).split(/\r?\n/).forEach((line, k) => {
    if (line === "") return;
    const [name, index] = line.split("|");
    if (!name || index === undefined || Number(index) !== names.length) {
      throw new DataFormatError({ source: file, line: k + 1 }, `expected "genre|${names.length}", but found ${JSON.stringify(line)}`);
    }
    names.push(name);
  });
  return names;
}

/** u.user: `id|age|gender|occupation|zip`. Ages become bands so that the attribute groups users. */
async function readUUser(file: string): Promise<Record<string, LabelSet>> {
  const rows: { id: string; age: string; gender: string; occupation: string }[] = [];
  (await readText(file, "latin1")).split(/\r?\n/).forEach((line, k) => {
    if (line === "") return;
    const f = line.split("|");
    const age = Number(f[1]);
    if (f.length !== 5 || !Number.isInteger(age) || age < 0) {
      throw new DataFormatError({ source: file, line: k + 1 }, `expected id|age|gender|occupation|zip with an integer age, but found ${JSON.stringify(line)}`);
    }
    rows.push({ id: f[0]!, age: ageBand(age), gender: f[2]!, occupation: f[3]! });
  });
  return {
    age: labelSet(
      "age",
      rows.map((r) => [r.id, r.age] as const),
      AGE_BANDS,
    ),
    gender: labelSet(
      "gender",
      rows.map((r) => [r.id, r.gender] as const),
    ),
    occupation: labelSet(
      "occupation",
      rows.map((r) => [r.id, r.occupation] as const),
    ),
  };
}

const AGE_BANDS = ["under 25", "25-34", "35-49", "50 and over"];
function ageBand(age: number): string {
  return age < 25 ? "under 25" : age < 35 ? "25-34" : age < 50 ? "35-49" : "50 and over";
}

/** movies.csv: `movieId,title,genres` with RFC 4180 quoting; genres "A|B", "(no genres listed)" for none. */
async function readMoviesCsv(file: string): Promise<Film[]> {
  const lines = (await readText(file, "utf8")).replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? "");
  if (header[0] !== "movieId" || header[1] !== "title" || header[2] !== "genres") {
    throw new DataFormatError({ source: file, line: 1 }, `expected the header movieId,title,genres, but found ${JSON.stringify(lines[0] ?? "")}`);
  }
  const films: Film[] = [];
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k]!;
    if (line === "") continue;
    const f = splitCsvLine(line);
    if (f.length !== 3) throw new DataFormatError({ source: file, line: k + 1 }, `expected 3 fields (movieId,title,genres), but found ${f.length}`);
    const genres = f[2] === "(no genres listed)" ? [] : f[2]!.split("|").filter((g) => g.length > 0);
    films.push({ id: f[0]!, title: f[1]!, genres });
  }
  return films;
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "",
    quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

async function readText(file: string, encoding: BufferEncoding): Promise<string> {
  try {
    return await fs.readFile(file, encoding);
  } catch (e) {
    throw new StorageError(`Cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
}

async function statOrThrow(p: string): Promise<import("node:fs").Stats> {
  try {
    return await fs.stat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StorageError(`Cannot read ${p}: ${code === "ENOENT" ? "no such file or folder" : (e as Error).message}`, { cause: e });
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
