/** `ewb recommend --all-users`: every user's top-K as CSV or JSON lines, streamed in blocks of users (bounded memory). */
import * as fs from "node:fs";
import * as path from "node:path";
import type { RecommenderModel } from "../../recommend/types";
import { topNAllUsers } from "../../recommend/batch";
import { biasOnlyTopN } from "../../recommend/single";
import { StorageError } from "../../errors";
import { ratedItemsOf } from "../../model/rated-items";

export type ExportFormat = "csv" | "jsonl";

/** Users scored per block: memory is O(block * K + items), whatever the number of users. */
const BLOCK = 1024;

/** The CSV header; rows follow as user_id,rank,item_id,score (rank 1-based, best first). */
export const EXPORT_CSV_HEADER = "user_id,rank,item_id,score";

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Writes every user's top-`top` (items the user rated excluded unless `includeRated`) through `write`, one block of
 * users at a time. A user without rated items gets the bias-only list, as `ewb recommend --user` gives. Returns
 * how many rows were written.
 */
export async function writeAllUsersTopN(
  model: RecommenderModel,
  top: number,
  format: ExportFormat,
  includeRated: boolean,
  write: (chunk: string) => void | Promise<void>,
): Promise<number> {
  const w = model.weights;
  let rows = 0;
  if (format === "csv") await write(EXPORT_CSV_HEADER + "\n");
  for (let start = 0; start < w.numUsers; start += BLOCK) {
    const end = Math.min(w.numUsers, start + BLOCK);
    const users: number[] = [];
    for (let u = start; u < end; u++) if (ratedItemsOf(model.ratedItems, u).length > 0) users.push(u);
    const batch = users.length > 0 ? topNAllUsers(w, top, { users, ...(includeRated ? {} : { exclude: model.ratedItems }) }) : null;
    const lines: string[] = [];
    let row = 0;
    for (let u = start; u < end; u++) {
      let items: ArrayLike<number>, scores: ArrayLike<number>;
      if (ratedItemsOf(model.ratedItems, u).length > 0) {
        const n = batch!.counts[row]!;
        items = batch!.items.subarray(row * top, row * top + n);
        scores = batch!.scores.subarray(row * top, row * top + n);
        row++;
      } else {
        const b = biasOnlyTopN(w, top);
        items = b.items;
        scores = b.scores;
      }
      const userId = model.userIds.id(u);
      for (let j = 0; j < items.length; j++) {
        const itemId = model.itemIds.id(items[j]!),
          score = Math.round(scores[j]! * 1e6) / 1e6;
        lines.push(
          format === "csv"
            ? `${csvField(userId)},${j + 1},${csvField(itemId)},${score}`
            : JSON.stringify({ user_id: userId, rank: j + 1, item_id: itemId, score }),
        );
        rows++;
      }
    }
    if (lines.length > 0) await write(lines.join("\n") + "\n");
  }
  return rows;
}

/** Thrown by a stream writer once the reader has gone away (EPIPE, e.g. `| head`): the export stops quietly. */
export class ReaderClosedError extends Error {}

/**
 * A `write` for a stream that waits for "drain" when the stream's buffer is full (so memory stays bounded) and throws
 * ReaderClosedError once the stream has failed with EPIPE (other stream errors are thrown as they are).
 */
export function streamWriter(stream: NodeJS.WritableStream): (chunk: string) => void | Promise<void> {
  let failed: (Error & { code?: string }) | undefined;
  let wake: (() => void) | undefined;
  stream.on("error", (e: Error) => {
    failed = e;
    wake?.();
  });
  const check = (): void => {
    if (failed) throw failed.code === "EPIPE" ? new ReaderClosedError("the reader closed the output") : failed;
  };
  return (chunk) => {
    check();
    if (stream.write(chunk)) return undefined;
    return new Promise<void>((resolve) => {
      wake = resolve;
      stream.once("drain", () => resolve());
    }).then(check);
  };
}

/** Writes the export to `file` through a temporary file renamed into place: a crash never leaves half a file. */
export async function exportAllUsersToFile(model: RecommenderModel, top: number, format: ExportFormat, includeRated: boolean, file: string): Promise<number> {
  const target = path.resolve(file);
  const tmp = `${target}.tmp-${process.pid}`;
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, "w");
    const out = fd;
    const rows = await writeAllUsersTopN(model, top, format, includeRated, (chunk) => {
      fs.writeSync(out, chunk);
    });
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
    return rows;
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new StorageError(`Cannot write the recommendations to ${target}: ${(e as Error).message}`, { cause: e });
  }
}
