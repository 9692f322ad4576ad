/** The workbook's error hierarchy: every error says what was expected, what was found, and where. */

/** Base class of every error the workbook throws on purpose; `code` is stable for programs. */
export class WorkbookError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A public function or command got an argument it cannot use. */
export class InvalidArgumentError extends WorkbookError {
  readonly argument: string;
  constructor(argument: string, expected: string, found: unknown) {
    super("INVALID_ARGUMENT", `Expected ${argument} to be ${expected}, but got ${describe(found)}`);
    this.argument = argument;
  }
}

/** Where in a data source a problem was found. Every part is optional but `source`. */
export interface DataLocation {
  /** File path, table name or other source name. */
  readonly source: string;
  /** 1-based line number in a file (the header is line 1). */
  readonly line?: number;
  /** Column or field name. */
  readonly field?: string;
}

/** Input data (a file, a table, a request body) does not have the expected shape or values. */
export class DataFormatError extends WorkbookError {
  readonly location: DataLocation;
  constructor(location: DataLocation, problem: string, options?: { cause?: unknown }) {
    super("DATA_FORMAT", `${formatLocation(location)}: ${problem}`, options);
    this.location = location;
  }
}

/** A raw user or item ID that the model or ID map does not know. */
export class UnknownIdError extends WorkbookError {
  readonly kind: "user" | "item";
  readonly id: string;
  constructor(kind: "user" | "item", id: string, context?: string) {
    super(`UNKNOWN_${kind.toUpperCase()}`, `Unknown ${kind} ID ${JSON.stringify(id)}${context ? ` ${context}` : ""}`);
    this.kind = kind;
    this.id = id;
  }
}

/** A saved model directory is missing, corrupt, truncated or of another format version. */
export class ModelFormatError extends WorkbookError {
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super("MODEL_FORMAT", `${file}: ${problem}`, options);
    this.file = file;
  }
}

/** A storage backend (MySQL, the file system) failed; `cause` keeps the original error. */
export class StorageError extends WorkbookError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("STORAGE", message, options);
  }
}

export function formatLocation(loc: DataLocation): string {
  let s = loc.source;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.field !== undefined) s += ` (field ${loc.field})`;
  return s;
}

/** A short, unambiguous rendering of a found value for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === "function") return "a function";
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}
