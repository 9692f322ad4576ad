/** Argument checks for public entry points, with one message shape: "Expected X to be Y, but got Z". */
import { InvalidArgumentError } from "./errors";

export function checkInteger(name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(name, rangeText("an integer", min, max), value);
  }
  return value;
}

export function checkNumber(name: string, value: unknown, min = -Infinity, max = Infinity, exclusiveMin = false): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max || (exclusiveMin && value === min)) {
    const lo = exclusiveMin ? `> ${min}` : `>= ${min}`;
    const text =
      min === -Infinity && max === Infinity
        ? "a finite number"
        : max === Infinity
          ? `a finite number ${lo}`
          : min === -Infinity
            ? `a finite number <= ${max}`
            : `a finite number ${lo} and <= ${max}`;
    throw new InvalidArgumentError(name, text, value);
  }
  return value;
}

export function checkString(name: string, value: unknown, allowEmpty = false): string {
  if (typeof value !== "string" || (!allowEmpty && value.length === 0)) {
    throw new InvalidArgumentError(name, allowEmpty ? "a string" : "a non-empty string", value);
  }
  return value;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new InvalidArgumentError(name, "a boolean", value);
  return value;
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(name, `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`, value);
  }
  return value as T;
}

function rangeText(what: string, min: number, max: number): string {
  if (min === -Infinity && max === Infinity) return what;
  if (max === Infinity) return `${what} >= ${min}`;
  if (min === -Infinity) return `${what} <= ${max}`;
  return `${what} between ${min} and ${max}`;
}
