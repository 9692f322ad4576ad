import { strict as assert } from "node:assert";
import { installSignalHandlers, type RunningService, type SignalEvent } from "../../src/service/server";

/** The parts of a RunningService the signal handlers use, with a close() the test finishes by hand. */
function fakeService() {
  let finish: () => void = () => undefined;
  const calls = { close: 0, closeNow: 0 };
  const service = {
    close: () => {
      calls.close++;
      return new Promise<void>((resolve) => (finish = resolve));
    },
    closeNow: () => {
      calls.closeNow++;
    },
    store: { reload: () => new Promise(() => undefined) },
  } as unknown as RunningService;
  return { service, calls, finish: () => finish() };
}

describe("service/server: signal handlers", () => {
  it("drains on the first SIGTERM, cuts on the second, and ignores signals once closed (a late one must not kill the exiting process)", async () => {
    const { service, calls, finish } = fakeService();
    const events: SignalEvent["type"][] = [];
    let closedCalls = 0;
    const before = process.listenerCount("SIGTERM");
    const remove = installSignalHandlers(
      service,
      (e) => events.push(e.type),
      () => closedCalls++,
    );
    try {
      process.emit("SIGTERM", "SIGTERM");
      assert.deepEqual(events, ["closing"]);
      assert.equal(calls.close, 1);
      process.emit("SIGTERM", "SIGTERM");
      assert.deepEqual(events, ["closing", "hurrying"]);
      assert.equal(calls.closeNow, 1);
      finish();
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(events, ["closing", "hurrying", "closed"]);
      assert.equal(closedCalls, 1);
      // Still listening after close, so the default action (death by signal) cannot happen, but doing nothing.
      assert.equal(process.listenerCount("SIGTERM"), before + 1);
      process.emit("SIGTERM", "SIGTERM");
      process.emit("SIGINT", "SIGINT");
      assert.deepEqual(events, ["closing", "hurrying", "closed"]);
      assert.equal(calls.closeNow, 1);
      assert.equal(closedCalls, 1);
    } finally {
      remove();
    }
    assert.equal(process.listenerCount("SIGTERM"), before, "remove() takes the handlers away");
  });
});
