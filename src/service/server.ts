/** Starting, stopping and signalling the service: load the model once, listen, reload on SIGHUP, drain on SIGTERM. */
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { checkInteger, checkString } from "../validate";
import { buildApp, reloadedEvent, type AppOptions, type ServiceEvent } from "./app";
import { ModelStore, type ModelLoader, type ServedModel, type StoreOptions } from "./model-store";
import { defaultLoader } from "./loader";

export interface ServiceOptions extends AppOptions {
  /** The model directory to serve. */
  readonly modelDir: string;
  /** Interface to bind (default 127.0.0.1: loopback only). */
  readonly host?: string;
  /** TCP port (default 8000; 0 picks a free one). */
  readonly port?: number;
  /** Directory that every reload must stay inside (default: the parent of `modelDir`). */
  readonly allowedRoot?: string;
  /** How a model directory is read (default: the saved-model format of src/model/persist). */
  readonly loader?: ModelLoader;
  /** How long close() lets in-flight requests run before cutting their connections (default 10 s). */
  readonly drainTimeoutMs?: number;
  /** Precompute every user's lists at load (see StoreOptions; default "auto"). */
  readonly precompute?: StoreOptions["precompute"];
}

/** A listening service. */
export interface RunningService {
  readonly app: FastifyInstance;
  readonly store: ModelStore;
  readonly host: string;
  readonly port: number;
  /** Base URL, e.g. http://127.0.0.1:8000 */
  readonly url: string;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to the drain timeout, after which their
   * connections are cut), then resolves. Safe to call twice.
   */
  close(): Promise<void>;
  /** Cuts every open connection now (what a second SIGTERM does while close() drains). */
  closeNow(): void;
}

export const DEFAULT_PORT = 8000;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/** app.close(), but a client that never finishes its request cannot hold the shutdown up past `ms`. */
async function drain(app: FastifyInstance, ms: number): Promise<void> {
  const timer = setTimeout(() => app.server.closeAllConnections(), ms);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Loads the model (failing before listening if it is unusable), builds the app and listens.
 * @example
 * const svc = await startService({ modelDir: "models/default", port: 0 });
 * await fetch(`${svc.url}/health`);
 * await svc.close();
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  checkString("modelDir", options.modelDir);
  const host = options.host === undefined ? DEFAULT_HOST : checkString("host", options.host);
  const port = options.port === undefined ? DEFAULT_PORT : checkInteger("port", options.port, 0, 65535);
  const drainMs = options.drainTimeoutMs === undefined ? DEFAULT_DRAIN_TIMEOUT_MS : checkInteger("drainTimeoutMs", options.drainTimeoutMs, 0);
  const modelDir = path.resolve(options.modelDir);
  const root = path.resolve(options.allowedRoot ?? path.dirname(modelDir));
  const store = await ModelStore.open(
    modelDir,
    options.loader ?? defaultLoader,
    root,
    options.precompute === undefined ? {} : { precompute: options.precompute },
  );
  const app = await buildApp(store, options);
  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    app,
    store,
    host,
    port: address.port,
    url: `http://${urlHost}:${address.port}`,
    close: () => (closing ??= drain(app, drainMs)),
    closeNow: () => app.server.closeAllConnections(),
  };
}

/** What the signal handlers report (besides the app's own events). */
export type SignalEvent =
  | ServiceEvent
  | { readonly type: "closing"; readonly signal: NodeJS.Signals }
  | { readonly type: "hurrying"; readonly signal: NodeJS.Signals }
  | { readonly type: "closed" };

/**
 * SIGTERM and SIGINT close the service gracefully (in-flight requests finish) and then call `onClosed`, once;
 * a second SIGTERM or SIGINT while draining cuts the open connections so the exit comes at once.
 * SIGHUP reloads the current model directory as configured (a symbolic link is resolved again; a bad model is
 * refused and the old one keeps serving); a storm of SIGHUPs coalesces into at most one queued reload, and
 * each load is reported once. Once closed, further SIGTERMs and SIGINTs are ignored while the process finishes
 * (with no handler left, a late one would kill it mid-exit). Returns a function that removes the handlers.
 */
export function installSignalHandlers(service: RunningService, onEvent: (event: SignalEvent) => void, onClosed: () => void): () => void {
  let stopping = false;
  let closed = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (closed) return;
    if (stopping) {
      onEvent({ type: "hurrying", signal });
      service.closeNow();
      return;
    }
    stopping = true;
    onEvent({ type: "closing", signal });
    service.close().then(
      () => {
        closed = true;
        onEvent({ type: "closed" });
        onClosed();
      },
      (error: unknown) => {
        closed = true;
        onEvent({ type: "request-error", method: "SIGNAL", url: signal, error });
        onClosed();
      },
    );
  };
  let reported: Promise<ServedModel> | undefined;
  const hup = (): void => {
    const reload = service.store.reload();
    if (reload === reported) return; // joined a reload already queued: it reports once
    reported = reload;
    reload.then(
      (served: ServedModel) => onEvent(reloadedEvent(served)),
      (e: unknown) => onEvent({ type: "reload-refused", message: e instanceof Error ? e.message : String(e) }),
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.on("SIGHUP", hup);
  return () => {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
    process.off("SIGHUP", hup);
  };
}
