import { strict as assert } from "node:assert";
import { makeLayout, readWeights, writeRatings, writeWeights, type HeapLayout } from "../../src/model/layout";
import { createJsOps, type KernelOps } from "../../src/model/kernel-ops";
import { createWasmOps, wasmKernelModule } from "../../src/model/kernel-wasm";
import { randomWeights } from "../../src/model/init";
import { createRng } from "../../src/random";
import type { MfWeights } from "../../src/model/types";

const NU = 7, NI = 5, DIM = 20; // 20 is not a multiple of 16: exercises the padded rows.

function problem(seed: number) {
  const rng = createRng(seed);
  const n = 40;
  // Repeated users and items on purpose: their gradient contributions must add up.
  const users = Int32Array.from({ length: n }, () => rng.int(NU));
  const items = Int32Array.from({ length: n }, () => rng.int(NI));
  const ratings = Float32Array.from({ length: n }, () => 1 + rng.int(5));
  const w = randomWeights(NU, NI, DIM, seed, 0.3, 0.5);
  for (let u = 0; u < NU; u++) w.userBias[u] = rng.normal() * 0.1;
  for (let i = 0; i < NI; i++) w.itemBias[i] = rng.normal() * 0.1;
  return { users, items, ratings, w, n };
}

function setUp(kind: "js" | "wasm", p: ReturnType<typeof problem>): { ops: KernelOps; L: HeapLayout } {
  const L = makeLayout(NU, NI, DIM, p.n, p.n);
  const ops = kind === "wasm" ? createWasmOps(L) : createJsOps(L, new ArrayBuffer(L.size * 4));
  writeWeights(ops.f32, L, p.w);
  const data = { users: p.users, items: p.items, ratings: p.ratings, length: p.n };
  writeRatings(ops.f32, ops.i32, L.trainUsers, L.trainItems, L.trainRatings, data);
  writeRatings(ops.f32, ops.i32, L.valUsers, L.valItems, L.valRatings, data);
  return { ops, L };
}

/** The obvious gradient of mean squared error + reg/2 · Σ over rows of (|p_u|² + |q_i|²), in float64. */
function slowGradient(p: ReturnType<typeof problem>, regPerRow: number) {
  const { w } = p;
  const gP = new Float64Array(NU * DIM), gQ = new Float64Array(NI * DIM), gbu = new Float64Array(NU), gbi = new Float64Array(NI);
  let gg = 0, sse = 0;
  for (let k = 0; k < p.n; k++) {
    const u = p.users[k]!, i = p.items[k]!;
    let pred = w.userBias[u]! + w.itemBias[i]! + w.globalBias;
    for (let d = 0; d < DIM; d++) pred += w.userFactors[u * DIM + d]! * w.itemFactors[i * DIM + d]!;
    const e = pred - p.ratings[k]!;
    sse += e * e;
    for (let d = 0; d < DIM; d++) {
      gP[u * DIM + d]! += (2 / p.n) * e * w.itemFactors[i * DIM + d]! + regPerRow * w.userFactors[u * DIM + d]!;
      gQ[i * DIM + d]! += (2 / p.n) * e * w.userFactors[u * DIM + d]! + regPerRow * w.itemFactors[i * DIM + d]!;
    }
    gbu[u]! += (2 / p.n) * e;
    gbi[i]! += (2 / p.n) * e;
    gg += (2 / p.n) * e;
  }
  return { gP, gQ, gbu, gbi, gg, sse };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let k = 0; k < expected.length; k++) {
    const a = actual[k]!, e = expected[k]!;
    assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${k}]: ${a} vs ${e}`);
  }
}

function readGrad(ops: KernelOps, L: HeapLayout): MfWeights {
  // The gradient block has the parameter block's layout: read it as if it were weights.
  return readWeights(ops.f32.subarray(L.grad, L.grad + L.size), L);
}

describe("training kernels (typed-array and wasm-kernel)", () => {
  it("compiles the wasm kernel on this Node (WebAssembly SIMD present)", () => {
    assert.ok(wasmKernelModule(), "WebAssembly SIMD kernel failed to compile");
  });

  for (const kind of ["js", "wasm"] as const) {
    it(`${kind}: gradient matches a slow obvious computation, repeated users and items summed`, () => {
      const p = problem(3);
      const { ops, L } = setUp(kind, p);
      const reg = 0.01;
      ops.f32.fill(0, L.grad, L.grad + L.numParams);
      const sse = ops.gradient(0, p.n, 2 / p.n, reg);
      const g = readGrad(ops, L);
      const ref = slowGradient(p, reg);
      assert.ok(Math.abs(sse - ref.sse) < 1e-4 * ref.sse, `sse ${sse} vs ${ref.sse}`);
      assertClose(g.userFactors, ref.gP, 1e-5, "dP");
      assertClose(g.itemFactors, ref.gQ, 1e-5, "dQ");
      assertClose(g.userBias, ref.gbu, 1e-5, "dbu");
      assertClose(g.itemBias, ref.gbi, 1e-5, "dbi");
      assert.ok(Math.abs(g.globalBias - ref.gg) < 1e-5, `dg ${g.globalBias} vs ${ref.gg}`);
      // Padding lanes of the rows stay exactly zero.
      for (let u = 0; u < NU; u++) for (let d = DIM; d < L.stride; d++) assert.equal(ops.f32[L.grad + L.p + u * L.stride + d], 0);
    });

    it(`${kind}: a gradient step lowers the loss, and Adam's first step moves each parameter by about lr`, () => {
      const p = problem(5);
      const { ops, L } = setUp(kind, p);
      const before = ops.errors(L.valUsers, L.valItems, L.valRatings, p.n)[0];
      ops.f32.fill(0, L.grad, L.grad + L.numParams);
      ops.gradient(0, p.n, 2 / p.n, 0);
      const w0 = readWeights(ops.f32, L);
      const lr = 1e-3;
      ops.adam(lr, 0.9, 0.999, 1e-8, 1 / (1 - 0.9), 1 / (1 - 0.999), 0);
      const w1 = readWeights(ops.f32, L);
      const after = ops.errors(L.valUsers, L.valItems, L.valRatings, p.n)[0];
      assert.ok(after < before, `loss ${after} should be below ${before}`);
      // With bias-corrected moments the first Adam step is lr · sign(g) wherever g ≠ 0.
      const moved = Math.abs(w1.globalBias - w0.globalBias);
      assert.ok(Math.abs(moved - lr) < 1e-5, `global bias moved ${moved}`);
    });
  }

  for (const kind of ["js", "wasm"] as const) {
    it(`${kind}: lazy Adam equals dense Adam when every row is touched every step`, () => {
      // Every (user, item) pair once, so each step's batch touches every user and every item.
      const p = problem(13);
      const pairs = Array.from({ length: NU * NI }, (_, k) => [Math.floor(k / NI), k % NI] as const);
      const full = { ...p, n: pairs.length, users: Int32Array.from(pairs, (x) => x[0]), items: Int32Array.from(pairs, (x) => x[1]), ratings: Float32Array.from(pairs, (_, k) => 1 + (k % 5)) };
      const dense = setUp(kind, full), lazy = setUp(kind, full);
      for (let step = 1; step <= 4; step++) {
        const c1 = 1 / (1 - 0.9 ** step), c2 = 1 / (1 - 0.999 ** step);
        dense.ops.f32.fill(0, dense.L.grad, dense.L.grad + dense.L.numParams);
        const sd = dense.ops.gradient(0, full.n, 2 / full.n, 0.01);
        dense.ops.adam(0.01, 0.9, 0.999, 1e-8, c1, c2, 1e-3);
        const sl = lazy.ops.gradientTouched(0, full.n, 2 / full.n, 0.01, step);
        lazy.ops.adamLazy(0.01, 0.9, 0.999, 1e-8, c1, c2, 1e-3, 1);
        assert.equal(sl, sd, `step ${step}: loss`);
      }
      const L = dense.L;
      // Weights and both moments, bit for bit; lazy leaves the gradient block zeroed.
      for (const at of [0, L.m, L.v]) {
        assert.deepEqual(lazy.ops.f32.subarray(at, at + L.numParams), dense.ops.f32.subarray(at, at + L.numParams), `block at ${at}`);
      }
      assert.ok(lazy.ops.f32.subarray(L.grad, L.grad + L.numParams).every((x) => x === 0), "gradient block zeroed");
    });

    it(`${kind}: lazy Adam leaves rows the batch did not touch exactly as they were, weights and moments`, () => {
      const p = problem(17);
      const { ops, L } = setUp(kind, p);
      // Rows 0-3 only: the users and items they do not use must not move.
      const touchedU = new Set(p.users.subarray(0, 4)), touchedI = new Set(p.items.subarray(0, 4));
      assert.ok(touchedU.size < NU && touchedI.size < NI, "some rows untouched");
      const before = ops.f32.slice(0, 4 * L.numParams);
      ops.gradientTouched(0, 4, 0.5, 0.01, 1);
      ops.adamLazy(0.01, 0.9, 0.999, 1e-8, 10, 1000, 1e-3, 0);
      const w0 = readWeights(before, L), w1 = readWeights(ops.f32, L);
      assert.equal(w1.globalBias, w0.globalBias, "global bias fixed with learnGlobal = 0");
      for (let u = 0; u < NU; u++) {
        const same = w1.userFactors.subarray(u * DIM, (u + 1) * DIM).every((x, j) => x === w0.userFactors[u * DIM + j]) && w1.userBias[u] === w0.userBias[u];
        assert.equal(same, !touchedU.has(u), `user ${u}`);
        assert.equal(ops.f32[L.v + L.bu + u] === 0, !touchedU.has(u), `user ${u} second moment`);
      }
      for (let i = 0; i < NI; i++) {
        const same = w1.itemFactors.subarray(i * DIM, (i + 1) * DIM).every((x, j) => x === w0.itemFactors[i * DIM + j]) && w1.itemBias[i] === w0.itemBias[i];
        assert.equal(same, !touchedI.has(i), `item ${i}`);
      }
      assert.ok(ops.f32.subarray(L.grad, L.grad + L.numParams).every((x) => x === 0), "gradient block zeroed");
    });
  }

  it("the wasm and typed-array kernels agree on gradient, Adam, SGD and errors", () => {
    const p = problem(11);
    const a = setUp("js", p), b = setUp("wasm", p);
    for (const { ops, L } of [a, b]) {
      ops.f32.fill(0, L.grad, L.grad + L.numParams);
      ops.gradient(0, p.n, 2 / p.n, 0.001);
      ops.adam(0.01, 0.9, 0.999, 1e-8, 10, 1000, 1e-3);
      ops.sgdPass(0, p.n, 0.01, 0.05);
      ops.f32.fill(0, L.grad, L.grad + L.numParams);
      ops.gradient(0, 10, 0.2, 0);
      ops.sgdStep(0.01, 1e-3);
      ops.f32.fill(0, L.grad, L.grad + L.numParams);
      ops.gradientTouched(5, 25, 0.1, 0.002, 1);
      ops.adamLazy(0.01, 0.9, 0.999, 1e-8, 10, 1000, 1e-3, 1);
      ops.gradientTouched(0, 12, 0.1, 0, 2);
      ops.adamLazy(0.01, 0.9, 0.999, 1e-8, 5.26, 500.25, 0, 0);
    }
    const wa = readWeights(a.ops.f32, a.L), wb = readWeights(b.ops.f32, b.L);
    assertClose(wb.userFactors, wa.userFactors, 1e-4, "P");
    assertClose(wb.itemFactors, wa.itemFactors, 1e-4, "Q");
    assertClose(wb.userBias, wa.userBias, 1e-4, "bu");
    const ea = a.ops.errors(a.L.valUsers, a.L.valItems, a.L.valRatings, p.n), eb = b.ops.errors(b.L.valUsers, b.L.valItems, b.L.valRatings, p.n);
    assert.ok(Math.abs(ea[0] - eb[0]) < 1e-3 * ea[0] && Math.abs(ea[1] - eb[1]) < 1e-3 * ea[1], `${ea} vs ${eb}`);
  });
});

describe("kernel shuffles", () => {
  it("the wasm shuffle makes exactly the swaps of shuffleTogether (users, items and ratings together)", () => {
    const n = 5000;
    const L = makeLayout(3, 3, 4, n, 0);
    const js = createJsOps(L, new ArrayBuffer(L.size * 4)), wasm = createWasmOps(L);
    for (const ops of [js, wasm]) {
      for (let k = 0; k < n; k++) {
        ops.i32[L.trainUsers + k] = k;
        ops.i32[L.trainItems + k] = 2 * k;
        ops.f32[L.trainRatings + k] = k / 4;
      }
      ops.shuffle(0xdeadbeef);
      ops.shuffle(7);
    }
    const view = (ops: KernelOps) => [...ops.i32.subarray(L.trainUsers, L.trainRatings + n)];
    assert.deepEqual(view(wasm), view(js));
    for (let k = 0; k < n; k++) {
      const u = wasm.i32[L.trainUsers + k]!;
      assert.equal(wasm.i32[L.trainItems + k], 2 * u);
      assert.equal(wasm.f32[L.trainRatings + k], u / 4);
    }
    assert.notEqual(wasm.i32[L.trainUsers], 0);
  });
});
