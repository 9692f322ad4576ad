/**
 * A streaming reader of delimited text (CSV with RFC 4180 quotes, or tab-separated): the file is read in chunks,
 * checked to be UTF-8 text, and handed out one record at a time with the physical line it starts on.
 * Why hand-written: bench/data.ts measures it against csv-parse and papaparse on the same file (see the notes).
 */
import { constants, promises as fs } from "node:fs";
import { DataFormatError, StorageError } from "../errors";

export interface DelimitedOptions {
  readonly delimiter: "," | "\t";
  /** Bytes per read; default 1 MiB. Tests use tiny sizes to split records, quotes and characters across reads. */
  readonly chunkSize?: number;
  /**
   * Called once, before the first record, with an estimate of the file's line count (`estimateLines`), so a reader
   * can size its arrays once instead of growing them.
   */
  readonly onEstimate?: (lines: number) => void;
}

/**
 * Readers reserve this many rows per estimated line: a few percent over, so that a slightly low estimate does not
 * cost a growth step (and a copy) at the very end.
 */
export const ESTIMATE_MARGIN = 1.03;

/** Bytes read at each of the three places `estimateLines` samples. */
const SAMPLE_BYTES = 1 << 18;

/**
 * About how many lines a file has, from its size and the line breaks in three samples (start, middle, end: files
 * sorted by ID have longer lines towards the end). Exact for a file no larger than the samples. Costs three reads of
 * 256 KiB; 0 for an empty file.
 */
export async function estimateLines(fh: fs.FileHandle, size: number): Promise<number> {
  if (size <= 0) return 0;
  const buf = Buffer.allocUnsafe(Math.min(size, SAMPLE_BYTES));
  const count = (b: Buffer): number => {
    let n = 0;
    for (let k = b.indexOf(LF); k >= 0; k = b.indexOf(LF, k + 1)) n++;
    return n;
  };
  if (size <= 3 * SAMPLE_BYTES) {
    let lines = 0,
      at = 0;
    while (at < size) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - at), at);
      if (bytesRead === 0) break;
      lines += count(buf.subarray(0, bytesRead));
      at += bytesRead;
    }
    return lines + 1; // a last line without a line break
  }
  let bytes = 0,
    breaks = 0;
  for (const at of [0, Math.floor(size / 2 - SAMPLE_BYTES / 2), size - SAMPLE_BYTES]) {
    const { bytesRead } = await fh.read(buf, 0, SAMPLE_BYTES, at);
    bytes += bytesRead;
    breaks += count(buf.subarray(0, bytesRead));
  }
  return breaks === 0 ? 1 : Math.ceil((size * breaks) / bytes);
}

/**
 * Called once per record: `fields[0..count)` are its cells (the array is reused between calls: copy what you keep),
 * `line` is the 1-based line the record starts on. Blank lines are skipped (not reported).
 */
export type RecordHandler = (line: number, fields: readonly string[], count: number) => void;

/**
 * Refuses anything but a regular file before opening it (a FIFO would block the open, a device or /dev/zero would
 * never end), then opens it without blocking and checks again on the descriptor.
 */
export async function openRegularFile(path: string): Promise<fs.FileHandle> {
  const describeKind = (s: {
    isDirectory(): boolean;
    isFIFO(): boolean;
    isCharacterDevice(): boolean;
    isBlockDevice(): boolean;
    isSocket(): boolean;
  }): string =>
    s.isDirectory()
      ? "a directory"
      : s.isFIFO()
        ? "a FIFO (named pipe)"
        : s.isCharacterDevice() || s.isBlockDevice()
          ? "a device"
          : s.isSocket()
            ? "a socket"
            : "not a regular file";
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (e) {
    throw new StorageError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`, { cause: e });
  }
  if (!stat.isFile()) throw new StorageError(`Cannot read ${path}: expected a regular file, but found ${describeKind(stat)}`);
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new StorageError(`Cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  const again = await fh.stat();
  if (!again.isFile()) {
    await fh.close();
    throw new StorageError(`Cannot read ${path}: expected a regular file, but found ${describeKind(again)}`);
  }
  return fh;
}

const QUOTE = 34,
  LF = 10,
  CR = 13;
/** A longer record is refused: it bounds memory and rescanning when a quote is never closed or a file has no line breaks. */
export const MAX_RECORD_CHARS = 1 << 20;

/**
 * Reads `path` and calls `onRecord` for every non-blank record. Throws `DataFormatError` naming file and line for
 * bytes that are not UTF-8, a NUL byte (binary input), an unterminated quoted field, or text after a closing quote.
 * A leading byte-order mark is removed. Lines end with LF or CRLF. Exceptions thrown by `onRecord` propagate.
 * Returns the number of physical lines.
 */
export async function readDelimited(path: string, options: DelimitedOptions, onRecord: RecordHandler): Promise<number> {
  const fh = await openRegularFile(path);
  try {
    if (options.onEstimate) options.onEstimate(await estimateLines(fh, (await fh.stat()).size));
    const scanner = new DelimitedScanner(path, options.delimiter, onRecord);
    const size = Math.max(1, options.chunkSize ?? 1 << 20);
    const buf = Buffer.allocUnsafe(size + 4);
    let carry = 0; // bytes of an incomplete UTF-8 character kept at buf[0..carry)
    for (;;) {
      const { bytesRead } = await fh.read(buf, carry, size, null);
      const end = carry + bytesRead;
      if (bytesRead === 0) {
        if (carry > 0) scanner.badBytes(buf.subarray(0, carry), 0, buf[0]! >= 0xc2 && buf[0]! <= 0xf4);
        break;
      }
      const cut = completeUtf8(buf, end);
      scanner.push(buf.subarray(0, cut));
      buf.copy(buf, 0, cut, end);
      carry = end - cut;
    }
    return scanner.end();
  } finally {
    await fh.close();
  }
}

/** The end of the last complete UTF-8 character in buf[0..end): a character split by the read stays for the next. */
function completeUtf8(buf: Buffer, end: number): number {
  let k = end - 1;
  const stop = Math.max(0, end - 4);
  while (k >= stop && (buf[k]! & 0xc0) === 0x80) k--;
  if (k < stop || k < 0) return end; // no lead byte in the last 4: invalid anyway, let the decoder say so
  const b = buf[k]!;
  const need = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  return k + need <= end ? end : k;
}

/** The incremental state machine behind `readDelimited` (exported for the tests that feed it chunk by chunk). */
export class DelimitedScanner {
  private readonly path: string;
  private readonly delim: number;
  private readonly onRecord: RecordHandler;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  private readonly fields: string[] = [];
  /** Text not yet consumed: the start of a record that the chunks so far did not finish. */
  private pending = "";
  /** Line number of the first character of `pending`. */
  private line = 1;
  private first = true;

  constructor(path: string, delimiter: "," | "\t", onRecord: RecordHandler) {
    this.path = path;
    this.delim = delimiter.charCodeAt(0);
    this.onRecord = onRecord;
  }

  /** Feeds bytes that end on a character boundary. */
  push(bytes: Uint8Array): void {
    if (bytes.indexOf(0) >= 0) this.binary(bytes, bytes.indexOf(0));
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      this.badBytes(bytes, 0, false);
    }
    if (this.first) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.pending = this.pending.length === 0 ? text : this.pending + text;
    this.scan(false);
  }

  /** Ends the input: a last line without a line break is a record; an open quote is an error. Returns the line count. */
  end(): number {
    this.scan(true);
    return this.line;
  }

  /** Throws for bytes that are not UTF-8, naming the line of the first bad byte. */
  badBytes(bytes: Uint8Array, from: number, truncated: boolean): never {
    const bad = truncated ? bytes.length : firstInvalidUtf8(bytes, from);
    let line = this.line + countLines(this.pending);
    for (let k = 0; k < Math.min(bad, bytes.length); k++) if (bytes[k] === LF) line++;
    const hex = `\\x${(bytes[bad] ?? 0).toString(16).padStart(2, "0")}`;
    throw new DataFormatError(
      { source: this.path, line },
      truncated
        ? "expected UTF-8 text, but the file ends inside a multi-byte character"
        : `expected UTF-8 text, but found a byte that is not UTF-8 (${hex}); re-encode the file as UTF-8`,
    );
  }

  private binary(bytes: Uint8Array, at: number): never {
    let line = this.line + countLines(this.pending);
    for (let k = 0; k < at; k++) if (bytes[k] === LF) line++;
    throw new DataFormatError({ source: this.path, line }, "expected text, but found a NUL byte: this looks like a binary file");
  }

  private scan(atEnd: boolean): void {
    const s = this.pending;
    const n = s.length;
    const delim = this.delim;
    const fields = this.fields;
    let pos = 0;
    let line = this.line;
    let nextQuote = s.indexOf('"');
    for (;;) {
      if (pos >= n) break;
      let nl = s.indexOf("\n", pos);
      if (nextQuote >= 0 && nextQuote < pos) nextQuote = s.indexOf('"', pos);
      if (nextQuote >= 0 && (nl < 0 || nextQuote < nl)) {
        // A quote on this line: the general state machine, which may run over several lines.
        const r = this.quotedRecord(s, pos, line, atEnd);
        if (r < 0) break; // needs more text
        pos = r;
        line = this.line;
        nextQuote = s.indexOf('"', pos);
        continue;
      }
      if (nl < 0) {
        if (!atEnd) break;
        nl = n;
      }
      let end = nl;
      if (end > pos && s.charCodeAt(end - 1) === CR) end--;
      if (end > pos) {
        let count = 0,
          start = pos;
        for (let k = pos; k < end; k++) {
          if (s.charCodeAt(k) === delim) {
            fields[count++] = s.substring(start, k);
            start = k + 1;
          }
        }
        fields[count++] = s.substring(start, end);
        this.onRecord(line, fields, count);
      }
      line++;
      pos = nl + 1;
    }
    this.pending = pos >= n ? "" : s.substring(pos);
    this.line = line;
    if (this.pending.length > MAX_RECORD_CHARS) {
      throw new DataFormatError(
        { source: this.path, line },
        `expected a record of at most ${MAX_RECORD_CHARS} characters, but the one starting here is longer${this.pending.includes('"') ? " (a quote that is never closed?)" : ""}`,
      );
    }
  }

  /**
   * Parses one record that contains a quote, from `pos`. Returns the position after its line break, or -1 when the
   * text ends first (and more may come). Updates `this.line` to the line after the record.
   */
  private quotedRecord(s: string, pos: number, line: number, atEnd: boolean): number {
    const fields = this.fields;
    const delim = this.delim;
    const n = s.length;
    let count = 0;
    let k = pos;
    let lines = 0;
    for (;;) {
      // one field starting at k
      if (k < n && s.charCodeAt(k) === QUOTE) {
        let value = "";
        let from = k + 1;
        let j = from;
        for (;;) {
          const q = s.indexOf('"', j);
          if (q < 0) {
            if (!atEnd) return -1;
            throw new DataFormatError(
              { source: this.path, line: line + lines },
              `expected ${delim === 44 ? "comma" : "tab"}-separated text, but a quoted field opened on line ${line + lines} is never closed`,
            );
          }
          for (let t = j; t < q; t++) if (s.charCodeAt(t) === LF) lines++;
          if (q + 1 < n && s.charCodeAt(q + 1) === QUOTE) {
            value += s.substring(from, q + 1);
            j = from = q + 2;
            continue;
          }
          if (q + 1 >= n && !atEnd) return -1; // a quote at the end of the text: "" or closing, not known yet
          value += s.substring(from, q);
          k = q + 1;
          break;
        }
        fields[count++] = value;
        const c = k < n ? s.charCodeAt(k) : -1;
        if (c === delim) {
          k++;
          continue;
        }
        if (c === CR && k + 1 < n && s.charCodeAt(k + 1) === LF) k++;
        else if (c === CR && k + 1 >= n && !atEnd) return -1;
        if (k >= n || s.charCodeAt(k) === LF) break;
        throw new DataFormatError(
          { source: this.path, line: line + lines },
          `expected ${delim === 44 ? "a comma" : "a tab"} or the end of the line after a closing quote, but found ${JSON.stringify(s.substring(k, k + 10))}`,
        );
      }
      // an unquoted field: up to the delimiter or line end
      let j = k;
      while (j < n) {
        const c = s.charCodeAt(j);
        if (c === delim || c === LF) break;
        j++;
      }
      if (j >= n && !atEnd) return -1;
      let end = j;
      if ((j >= n || s.charCodeAt(j) === LF) && end > k && s.charCodeAt(end - 1) === CR) end--;
      fields[count++] = s.substring(k, end);
      if (j < n && s.charCodeAt(j) === delim) {
        k = j + 1;
        continue;
      }
      k = j;
      break;
    }
    this.onRecord(line, fields, count);
    this.line = line + lines + 1;
    return k >= n ? n : k + 1;
  }
}

function countLines(s: string): number {
  let c = 0;
  for (let k = s.indexOf("\n"); k >= 0; k = s.indexOf("\n", k + 1)) c++;
  return c;
}

/** Offset of the first byte that does not belong to a valid UTF-8 sequence (bytes.length when all are valid). */
export function firstInvalidUtf8(b: Uint8Array, from = 0): number {
  let k = from;
  while (k < b.length) {
    const c = b[k]!;
    if (c < 0x80) {
      k++;
      continue;
    }
    let need: number, min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return k;
    if (k + need >= b.length) return k;
    let cp = c & (0x3f >> need);
    for (let t = 1; t <= need; t++) {
      const d = b[k + t];
      if (d === undefined || (d & 0xc0) !== 0x80) return k;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return k;
    k += need + 1;
  }
  return b.length;
}
