/** The one place that talks to the tslab kernel: multi-MIME outputs, live display areas, per-kernel state. */
import { WorkbookError } from "../errors";

/** One Jupyter output: MIME type -> value (JSON MIME types take objects, the rest strings). */
export type MimeBundle = Record<string, string | object>;

/** tslab's internal writer of one display_data (update = false) or update_display_data (update = true) message. */
export type DisplayWriter = (data: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void;

/**
 * Writes one multi-MIME output. tslab's public API writes one MIME type per output, so this uses the
 * kernel's internal writer (tslab/dist/jupyter, not public API) and falls back to HTML only.
 */
export function writeBundle(bundle: MimeBundle): void {
  const writer = internalWriter();
  if (writer) {
    writer({ data: bundle, metadata: {}, transient: {} }, false);
    return;
  }
  const tslab = requireTslab();
  const html = bundle["text/html"];
  inKernel("a notebook display", () => {
    if (typeof html === "string") tslab.display.html(html);
    else tslab.display.text(String(bundle["text/plain"] ?? JSON.stringify(bundle)));
  });
}

/** The kernel's current display writer, found among loaded modules (the kernel's own copy of tslab). */
export function internalWriter(): DisplayWriter | undefined {
  for (const [key, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(key)) continue;
    const w = (mod?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof w === "function") return w as DisplayWriter;
  }
  return undefined;
}

export function requireTslab(): typeof import("tslab") {
  // Under the kernel, require("tslab") is hooked to the kernel's own module.
  return require("tslab") as typeof import("tslab");
}

/** Runs a tslab display call, turning its bare "Not ready" (no kernel running) into a clear error. */
export function inKernel<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && /not ready/i.test(e.message)) {
      throw new WorkbookError("NO_KERNEL", `Expected ${what} to run inside a tslab Jupyter kernel, but no kernel is running`, { cause: e });
    }
    throw e;
  }
}

export interface SessionState {
  plotlyLoaded: boolean;
  figures: number;
}

/** Per-kernel state on globalThis, so it survives tslab re-evaluating this module after an edit. */
export function sessionState(): SessionState {
  const g = globalThis as { __ewbNotebookDisplay?: SessionState };
  g.__ewbNotebookDisplay ??= { plotlyLoaded: false, figures: 0 };
  return g.__ewbNotebookDisplay;
}
