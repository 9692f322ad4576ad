/** A one-line progress bar on stderr, drawn only when stderr is a terminal (never in logs or pipes). */

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Redraws `label [#####.....] done/total  detail` in place with a carriage return, at most every
 * `minIntervalMs` (training epochs can take 2 ms; redrawing each would cost more than the epoch).
 * On a non-TTY stream every call is a no-op, so `--json` output and CI logs stay clean.
 */
export class ProgressBar {
  private lastDraw = -Infinity;
  private drawn = false;
  readonly enabled: boolean;

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    private readonly label: string,
    private readonly minIntervalMs = 80,
  ) {
    this.enabled = stream.isTTY === true;
  }

  /** Shows `done` of `total` with an optional detail text; always draws the final step. */
  update(done: number, detail = ""): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (done < this.total && now - this.lastDraw < this.minIntervalMs) return;
    this.lastDraw = now;
    this.stream.write(`\r${renderBar(this.label, done, this.total, detail, this.stream.columns || 80)}`);
    this.drawn = true;
  }

  /** Ends the line (only if something was drawn). */
  finish(): void {
    if (this.enabled && this.drawn) this.stream.write("\n");
    this.drawn = false;
  }
}

/** The bar's text, fitted to `columns` (exported for tests). */
export function renderBar(label: string, done: number, total: number, detail: string, columns: number): string {
  const width = 24;
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(frac * width);
  const line = `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}${detail ? `  ${detail}` : ""}`;
  const max = Math.max(20, columns - 1);
  return line.length > max ? line.slice(0, max) : line.padEnd(Math.min(max, line.length + 4));
}
