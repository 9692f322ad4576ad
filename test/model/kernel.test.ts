import { strict as assert } from "node:assert";
import {
  clearGradients,
  factorOffset,
  GRADIENT,
  makeLayout,
  MOMENT1,
  MOMENT2,
  readPart,
  readRowMoments,
  readWeights,
  WEIGHT,
  writeRatings,
  writeTrainRows,
  writeWeights,
  type HeapLayout,
} from "../../src/model/layout";
import { createJsOps, type KernelOps } from "../../src/model/kernel-ops";
import { createWasmOps, wasmKernelModule } from "../../src/model/kernel-wasm";
import { randomWeights } from "../../src/model/init";
import { createRng } from "../../src/random";
import { shuffleTogether } from "../../src/model/shuffle";
import type { MfWeights, SecondMoment } from "../../src/model/types";

const NU = 7,
  NI = 5,
  DIM = 20; // 20 is not a multiple of 16: exercises the padded rows.

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

/** "wasm-touch": the wasm kernel with the touch-ahead of large tables forced on (these tables are small). */
function setUp(
  kind: "js" | "wasm" | "wasm-touch",
  p: ReturnType<typeof problem>,
  secondMoment: SecondMoment = "per-weight",
): { ops: KernelOps; L: HeapLayout } {
  const L = makeLayout(NU, NI, DIM, p.n, p.n, secondMoment);
  const ops = kind === "js" ? createJsOps(L, new ArrayBuffer(L.size * 4)) : createWasmOps(L, { touchAhead: kind === "wasm-touch" });
  writeWeights(ops.f32, L, p.w);
  const data = { users: p.users, items: p.items, ratings: p.ratings, length: p.n };
  writeTrainRows(ops.f32, ops.i32, L, data);
  writeRatings(ops.f32, ops.i32, L.valUsers, L.valItems, L.valRatings, data);
  return { ops, L };
}

/** The obvious gradient of mean squared error + reg/2 · Σ over rows of (|p_u|² + |q_i|²), in float64. */
function slowGradient(p: ReturnType<typeof problem>, regPerRow: number) {
  const { w } = p;
  const gP = new Float64Array(NU * DIM),
    gQ = new Float64Array(NI * DIM),
    gbu = new Float64Array(NU),
    gbi = new Float64Array(NI);
  let gg = 0,
    sse = 0;
  for (let k = 0; k < p.n; k++) {
    const u = p.users[k]!,
      i = p.items[k]!;
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
    const a = actual[k]!,
      e = expected[k]!;
    assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${k}]: ${a} vs ${e}`);
  }
}

function readGrad(ops: KernelOps, L: HeapLayout): MfWeights {
  return readPart(ops.f32, L, GRADIENT);
}

/** Whether every gradient (the whole factor gradient region, padding and lazy scratch rows included; bias quads' second floats) is exactly zero. */
function gradientsZero(ops: KernelOps, L: HeapLayout): boolean {
  const g = readGrad(ops, L);
  return (
    ops.f32.subarray(L.grad, L.trainRows).every((x) => x === 0) &&
    [g.userFactors, g.itemFactors, g.userBias, g.itemBias].every((a) => a.every((x) => x === 0)) &&
    g.globalBias === 0
  );
}

describe("training kernels (typed-array and wasm-kernel)", () => {
  it("compiles the wasm kernel on this Node (WebAssembly SIMD present)", () => {
    assert.ok(wasmKernelModule(), "WebAssembly SIMD kernel failed to compile");
  });

  for (const kind of ["js", "wasm", "wasm-touch"] as const) {
    it(`${kind}: gradient matches a slow obvious computation, repeated users and items summed`, () => {
      const p = problem(3);
      const { ops, L } = setUp(kind, p);
      const reg = 0.01;
      clearGradients(ops.f32, L);
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
      for (let u = 0; u < NU; u++) for (let d = DIM; d < L.stride; d++) assert.equal(ops.f32[factorOffset(L, u, GRADIENT) + d], 0);
    });

    it(`${kind}: gradientTouched puts the t-th touched row's gradient in scratch row t, bit for bit the row's own gradient`, () => {
      const p = problem(7);
      const own = setUp(kind, p),
        scratch = setUp(kind, p);
      const [start, end] = [3, 9];
      clearGradients(own.ops.f32, own.L);
      own.ops.gradient(start, end, 2 / (end - start), 0.01);
      scratch.ops.gradientTouched(start, end, 2 / (end - start), 0.01, 1);
      const L = own.L,
        i32 = scratch.ops.i32;
      // The touched lists, in order of first appearance in the rows.
      const firstSeen = (a: Int32Array): number[] => [...new Set(a.subarray(start, end))];
      const users = firstSeen(p.users),
        items = firstSeen(p.items);
      assert.ok(users.length < NU && users.some((u, t) => u !== t), "some users untouched, scratch rows not their own");
      assert.deepEqual([i32[L.counts], i32[L.counts + 1]], [users.length, items.length]);
      assert.deepEqual([...i32.subarray(L.listU, L.listU + users.length)], users);
      assert.deepEqual([...i32.subarray(L.listI, L.listI + items.length)], items);
      const row = (f: Float32Array, at: number): Float32Array => f.subarray(at, at + L.stride);
      users.forEach((u, t) => assert.deepEqual(row(scratch.ops.f32, L.grad + t * L.stride), row(own.ops.f32, L.grad + u * L.stride), `user ${u}`));
      items.forEach((i, t) => assert.deepEqual(row(scratch.ops.f32, L.gradItems + t * L.stride), row(own.ops.f32, L.gradItems + i * L.stride), `item ${i}`));
      // Nothing else of the scratch region was written; the bias gradients are the rows' own in both.
      assert.ok(
        scratch.ops.f32.subarray(L.grad + users.length * L.stride, L.gradItems).every((x) => x === 0),
        "user scratch beyond the touched rows",
      );
      assert.ok(
        scratch.ops.f32.subarray(L.gradItems + items.length * L.stride, L.trainRows).every((x) => x === 0),
        "item scratch beyond the touched rows",
      );
      assert.deepEqual(scratch.ops.f32.subarray(L.bu, L.paramsEnd), own.ops.f32.subarray(L.bu, L.paramsEnd));
    });

    it(`${kind}: a gradient step lowers the loss, and Adam's first step moves each parameter by about lr`, () => {
      const p = problem(5);
      const { ops, L } = setUp(kind, p);
      const before = ops.errors(L.valUsers, L.valItems, L.valRatings, p.n)[0];
      clearGradients(ops.f32, L);
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

  for (const kind of ["js", "wasm", "wasm-touch"] as const) {
    for (const sm of ["per-weight", "per-row"] as const)
      it(`${kind}, second moment ${sm}: lazy Adam equals dense Adam when every row is touched every step`, () => {
        // Every (user, item) pair once, so each step's batch touches every user and every item.
        const p = problem(13);
        const pairs = Array.from({ length: NU * NI }, (_, k) => [Math.floor(k / NI), k % NI] as const);
        const full = {
          ...p,
          n: pairs.length,
          users: Int32Array.from(pairs, (x) => x[0]),
          items: Int32Array.from(pairs, (x) => x[1]),
          ratings: Float32Array.from(pairs, (_, k) => 1 + (k % 5)),
        };
        const dense = setUp(kind, full, sm),
          lazy = setUp(kind, full, sm),
          stepped = setUp(kind, full, sm);
        for (let step = 1; step <= 4; step++) {
          const c1 = 1 / (1 - 0.9 ** step),
            c2 = 1 / (1 - 0.999 ** step);
          const sd = dense.ops.gradient(0, full.n, 2 / full.n, 0.01);
          dense.ops.adam(0.01, 0.9, 0.999, 1e-8, c1, c2, 1e-3);
          const sl = lazy.ops.gradientTouched(0, full.n, 2 / full.n, 0.01, step);
          lazy.ops.adamLazy(0.01, 0.9, 0.999, 1e-8, c1, c2, 1e-3, 1);
          const ss = stepped.ops.stepLazy(0, full.n, 2 / full.n, 0.01, step, 0.01, 0.9, 0.999, 1e-8, c1, c2, 1e-3, 1);
          assert.equal(sl, sd, `step ${step}: loss`);
          assert.equal(ss, sd, `step ${step}: stepLazy's loss`);
        }
        assert.deepEqual(stepped.ops.f32.subarray(0, dense.L.paramsEnd), dense.ops.f32.subarray(0, dense.L.paramsEnd), "stepLazy");
        const L = dense.L;
        // Weights and both moments, bit for bit (the whole parameter region: records, quads, padding); both leave every gradient zeroed.
        assert.deepEqual(lazy.ops.f32.subarray(0, L.paramsEnd), dense.ops.f32.subarray(0, L.paramsEnd));
        assert.ok(gradientsZero(lazy.ops, L) && gradientsZero(dense.ops, L), "gradients zeroed");
      });

    it(`${kind}: lazy Adam leaves rows the batch did not touch exactly as they were, weights and moments`, () => {
      const p = problem(17);
      const { ops, L } = setUp(kind, p);
      // Rows 0-3 only: the users and items they do not use must not move.
      const touchedU = new Set(p.users.subarray(0, 4)),
        touchedI = new Set(p.items.subarray(0, 4));
      assert.ok(touchedU.size < NU && touchedI.size < NI, "some rows untouched");
      const before = ops.f32.slice(0, L.paramsEnd);
      ops.gradientTouched(0, 4, 0.5, 0.01, 1);
      ops.adamLazy(0.01, 0.9, 0.999, 1e-8, 10, 1000, 1e-3, 0);
      const w0 = readWeights(before, L),
        w1 = readWeights(ops.f32, L);
      assert.equal(w1.globalBias, w0.globalBias, "global bias fixed with learnGlobal = 0");
      for (let u = 0; u < NU; u++) {
        const same = w1.userFactors.subarray(u * DIM, (u + 1) * DIM).every((x, j) => x === w0.userFactors[u * DIM + j]) && w1.userBias[u] === w0.userBias[u];
        assert.equal(same, !touchedU.has(u), `user ${u}`);
        assert.equal(ops.f32[L.bu + 4 * u + 3] === 0, !touchedU.has(u), `user ${u} second moment`);
      }
      for (let i = 0; i < NI; i++) {
        const same = w1.itemFactors.subarray(i * DIM, (i + 1) * DIM).every((x, j) => x === w0.itemFactors[i * DIM + j]) && w1.itemBias[i] === w0.itemBias[i];
        assert.equal(same, !touchedI.has(i), `item ${i}`);
      }
      assert.ok(gradientsZero(ops, L), "gradients zeroed");
    });
  }

  for (const sm of ["per-weight", "per-row"] as const)
    it(`second moment ${sm}: the wasm and typed-array kernels agree on gradient, Adam, SGD and errors`, () => {
      const p = problem(11);
      const a = setUp("js", p, sm),
        b = setUp("wasm", p, sm);
      for (const { ops, L } of [a, b]) {
        clearGradients(ops.f32, L);
        ops.gradient(0, p.n, 2 / p.n, 0.001);
        ops.adam(0.01, 0.9, 0.999, 1e-8, 10, 1000, 1e-3);
        ops.sgdPass(0, p.n, 0.01, 0.05);
        clearGradients(ops.f32, L);
        ops.gradient(0, 10, 0.2, 0);
        ops.sgdStep(0.01, 1e-3);
        clearGradients(ops.f32, L);
        ops.gradientTouched(5, 25, 0.1, 0.002, 1);
        ops.adamLazy(0.01, 0.9, 0.999, 1e-8, 10, 1000, 1e-3, 1);
        ops.gradientTouched(0, 12, 0.1, 0, 2);
        ops.adamLazy(0.01, 0.9, 0.999, 1e-8, 5.26, 500.25, 0, 0);
        ops.stepLazy(20, 40, 0.1, 0.002, 3, 0.01, 0.9, 0.999, 1e-8, 3.69, 333.6, 1e-3, 1);
      }
      const wa = readWeights(a.ops.f32, a.L),
        wb = readWeights(b.ops.f32, b.L);
      assertClose(wb.userFactors, wa.userFactors, 1e-4, "P");
      assertClose(wb.itemFactors, wa.itemFactors, 1e-4, "Q");
      assertClose(wb.userBias, wa.userBias, 1e-4, "bu");
      if (sm === "per-row") assertClose(readRowMoments(b.ops.f32, b.L), readRowMoments(a.ops.f32, a.L), 1e-4, "row v");
      const ea = a.ops.errors(a.L.valUsers, a.L.valItems, a.L.valRatings, p.n),
        eb = b.ops.errors(b.L.valUsers, b.L.valItems, b.L.valRatings, p.n);
      assert.ok(Math.abs(ea[0] - eb[0]) < 1e-3 * ea[0] && Math.abs(ea[1] - eb[1]) < 1e-3 * ea[1], `${ea} vs ${eb}`);
    });
});

describe("kernel shuffles", () => {
  it("the wasm and typed-array shuffles move the training records exactly as shuffleTogether moves three arrays", () => {
    const n = 5000;
    const L = makeLayout(3, 3, 4, n, 0);
    const js = createJsOps(L, new ArrayBuffer(L.size * 4)),
      wasm = createWasmOps(L);
    const users = Int32Array.from({ length: n }, (_, k) => k),
      items = Int32Array.from(users, (k) => 2 * k),
      ratings = Float32Array.from(users, (k) => k / 4);
    for (const ops of [js, wasm]) {
      writeTrainRows(ops.f32, ops.i32, L, { users, items, ratings, length: n });
      ops.shuffle(0xdeadbeef);
      ops.shuffle(7);
    }
    shuffleTogether(0xdeadbeef, users, items, ratings);
    shuffleTogether(7, users, items, ratings);
    for (const ops of [js, wasm]) {
      for (let k = 0; k < n; k++) {
        const t = L.trainRows + 3 * k;
        assert.deepEqual([ops.i32[t], ops.i32[t + 1], ops.f32[t + 2]], [users[k], items[k], ratings[k]], `record ${k}`);
      }
    }
    assert.notEqual(users[0], 0);
  });
});

/**
 * The slow obvious computation of mini-batch Adam on biased MF, in float64 over separate plain arrays (one per
 * parameter kind and per part: weights, m, v), with no layout at all: what the interleaved records must compute.
 */
/**
 * `steps` Adam steps over consecutive batches of `batch` training rows (wrapping around): dense (gradient + adam), lazy
 * in two passes (gradientTouched + adamLazy) or lazy in one (stepLazy). What slowAdam computes over separate arrays.
 */
function adamSteps(
  ops: KernelOps,
  p: ReturnType<typeof problem>,
  batch: number,
  steps: number,
  how: "dense" | "two-pass" | "stepLazy",
  o: { lr: number; l2: number; reg: number },
): void {
  for (let step = 1; step <= steps; step++) {
    const start = ((step - 1) * batch) % p.n,
      end = Math.min(p.n, start + batch),
      B = end - start;
    const c1 = 1 / (1 - 0.9 ** step),
      c2 = 1 / (1 - 0.999 ** step);
    if (how === "stepLazy") ops.stepLazy(start, end, 2 / B, o.reg / B, step, o.lr, 0.9, 0.999, 1e-8, c1, c2, o.l2, 1);
    else if (how === "two-pass") {
      ops.gradientTouched(start, end, 2 / B, o.reg / B, step);
      ops.adamLazy(o.lr, 0.9, 0.999, 1e-8, c1, c2, o.l2, 1);
    } else {
      ops.gradient(start, end, 2 / B, o.reg / B);
      ops.adam(o.lr, 0.9, 0.999, 1e-8, c1, c2, o.l2);
    }
  }
}

/** Adam over separate float64 arrays; `perRow`: one second moment per factor row (VP, VQ), the mean over the row of g². */
function slowAdam(p: ReturnType<typeof problem>, batch: number, steps: number, lazy: boolean, o: { lr: number; l2: number; reg: number }, perRow = false) {
  const W = {
    P: Float64Array.from(p.w.userFactors),
    Q: Float64Array.from(p.w.itemFactors),
    bu: Float64Array.from(p.w.userBias),
    bi: Float64Array.from(p.w.itemBias),
    g: new Float64Array([p.w.globalBias]),
  };
  const zero = () => ({
    P: new Float64Array(NU * DIM),
    Q: new Float64Array(NI * DIM),
    bu: new Float64Array(NU),
    bi: new Float64Array(NI),
    g: new Float64Array(1),
  });
  const M = zero(),
    V = zero();
  const VP = new Float64Array(NU),
    VQ = new Float64Array(NI);
  const keys = ["P", "Q", "bu", "bi", "g"] as const;
  for (let step = 1; step <= steps; step++) {
    const start = ((step - 1) * batch) % p.n,
      end = Math.min(p.n, start + batch),
      B = end - start;
    const G = zero();
    const touchedU = new Set<number>(),
      touchedI = new Set<number>();
    for (let k = start; k < end; k++) {
      const u = p.users[k]!,
        i = p.items[k]!;
      touchedU.add(u);
      touchedI.add(i);
      let pred = W.bu[u]! + W.bi[i]! + W.g[0]!;
      for (let d = 0; d < DIM; d++) pred += W.P[u * DIM + d]! * W.Q[i * DIM + d]!;
      const e = (2 / B) * (pred - p.ratings[k]!);
      for (let d = 0; d < DIM; d++) {
        G.P[u * DIM + d]! += e * W.Q[i * DIM + d]! + (o.reg / B) * W.P[u * DIM + d]!;
        G.Q[i * DIM + d]! += e * W.P[u * DIM + d]! + (o.reg / B) * W.Q[i * DIM + d]!;
      }
      G.bu[u]! += e;
      G.bi[i]! += e;
      G.g[0]! += e;
    }
    const c1 = 1 / (1 - 0.9 ** step),
      c2 = 1 / (1 - 0.999 ** step);
    const rowOf = (key: (typeof keys)[number], x: number): number => (key === "P" || key === "Q" ? Math.floor(x / DIM) : x);
    if (perRow) {
      for (const [key, VR, rows, touched] of [
        ["P", VP, NU, touchedU],
        ["Q", VQ, NI, touchedI],
      ] as const) {
        for (let r = 0; r < rows; r++) {
          if (lazy && !touched.has(r)) continue;
          let sq = 0;
          for (let d = 0; d < DIM; d++) {
            const x = r * DIM + d;
            const g = G[key][x]! + o.l2 * W[key][x]!;
            M[key][x] = 0.9 * M[key][x]! + 0.1 * g;
            sq += g * g;
          }
          VR[r] = 0.999 * VR[r]! + (0.001 * sq) / DIM;
          for (let d = 0; d < DIM; d++) W[key][r * DIM + d] = W[key][r * DIM + d]! - (o.lr * M[key][r * DIM + d]! * c1) / (Math.sqrt(VR[r]! * c2) + 1e-8);
        }
      }
    }
    for (const key of keys) {
      if (perRow && (key === "P" || key === "Q")) continue;
      for (let x = 0; x < W[key].length; x++) {
        if (lazy && (key === "P" || key === "bu") && !touchedU.has(rowOf(key, x))) continue;
        if (lazy && (key === "Q" || key === "bi") && !touchedI.has(rowOf(key, x))) continue;
        const g = G[key][x]! + o.l2 * W[key][x]!;
        M[key][x] = 0.9 * M[key][x]! + 0.1 * g;
        V[key][x] = 0.999 * V[key][x]! + 0.001 * g * g;
        W[key][x] = W[key][x]! - (o.lr * M[key][x]! * c1) / (Math.sqrt(V[key][x]! * c2) + 1e-8);
      }
    }
  }
  return { W, M, V, VP, VQ };
}

describe("interleaved parameter records (layout.ts)", () => {
  it("weights written then read come back unchanged; moments and gradients start at zero", () => {
    const p = problem(21);
    const { ops, L } = setUp("js", p);
    assert.deepEqual(readWeights(ops.f32, L), { ...p.w });
    for (const part of [GRADIENT, MOMENT1, MOMENT2]) {
      const x = readPart(ops.f32, L, part);
      assert.ok([x.userFactors, x.itemFactors, x.userBias, x.itemBias].every((a) => a.every((v) => v === 0)) && x.globalBias === 0, `part ${part}`);
    }
    assert.equal(L.rec, 3 * L.stride);
    assert.equal(L.q, NU * L.rec);
    assert.equal(L.bu, (NU + NI) * L.rec);
    // The gradient region: after the parameters, 64-byte aligned, one row per factor row.
    assert.ok(L.grad >= L.paramsEnd && L.grad % 16 === 0, `grad at ${L.grad}`);
    assert.equal(L.gradItems, L.grad + NU * L.stride);
    assert.equal(L.trainRows, L.gradItems + NI * L.stride);
  });

  it("per row: a record is [w | m | 16-element tail], its first element the row's v; readPart refuses the factors' v", () => {
    const p = problem(21);
    const { ops, L } = setUp("wasm", p, "per-row");
    assert.equal(L.secondMoment, "per-row");
    assert.equal(L.rec, 2 * L.stride + 16);
    assert.equal(L.q, NU * L.rec);
    assert.equal(L.bu, (NU + NI) * L.rec);
    assert.equal(factorOffset(L, 1, MOMENT2), L.rec + 2 * L.stride);
    assert.deepEqual(readWeights(ops.f32, L), { ...p.w });
    assert.throws(() => readPart(ops.f32, L, MOMENT2), /one second moment per row/);
    assert.deepEqual(readRowMoments(ops.f32, L), new Float32Array(NU + NI));
    assert.throws(() => readRowMoments(ops.f32, makeLayout(NU, NI, DIM, 1, 1)), /one second moment per weight/);
  });

  for (const kind of ["js", "wasm", "wasm-touch"] as const) {
    for (const lazy of [true, false])
      it(`${kind}: ${lazy ? "lazy" : "dense"} Adam with one second moment per row matches a slow obvious computation (weights, m, each row's v)`, () => {
        const p = problem(23);
        const { ops, L } = setUp(kind, p, "per-row");
        const o = { lr: 0.02, l2: 1e-3, reg: 0.02 },
          batch = 8,
          steps = 12;
        adamSteps(ops, p, batch, steps, lazy ? "stepLazy" : "dense", o);
        const ref = slowAdam(p, batch, steps, lazy, o, true);
        for (const [got, want] of [
          [readWeights(ops.f32, L), ref.W],
          [readPart(ops.f32, L, MOMENT1), ref.M],
        ] as const) {
          assertClose(got.userFactors, want.P, 2e-4, "P");
          assertClose(got.itemFactors, want.Q, 2e-4, "Q");
          assertClose(got.userBias, want.bu, 2e-4, "bu");
          assertClose(got.itemBias, want.bi, 2e-4, "bi");
          assertClose([got.globalBias], want.g, 2e-4, "g");
        }
        const v = readRowMoments(ops.f32, L);
        assertClose(v.subarray(0, NU), ref.VP, 2e-4, "user rows' v");
        assertClose(v.subarray(NU), ref.VQ, 2e-4, "item rows' v");
        // Not the per-weight step: the same run per weight ends elsewhere.
        const perWeight = slowAdam(p, batch, steps, lazy, o);
        assert.ok(
          perWeight.W.P.some((x, k) => Math.abs(x - ref.W.P[k]!) > 1e-3),
          "per row and per weight differ",
        );
        assert.ok(gradientsZero(ops, L), "gradients zeroed after each step");
        for (let r = 0; r < NU + NI; r++)
          for (const part of [WEIGHT, GRADIENT, MOMENT1])
            for (let d = DIM; d < L.stride; d++) assert.equal(ops.f32[factorOffset(L, r, part) + d], 0, `row ${r} part ${part} lane ${d}`);
      });
  }

  for (const kind of ["wasm", "wasm-touch", "js"] as const)
    for (const sm of ["per-weight", "per-row"] as const)
      it(`${kind}, ${sm}: stepLazy (rows used once stepped inside the gradient pass) equals gradientTouched then adamLazy, bit for bit`, () => {
        const p = problem(29);
        const a = setUp(kind, p, sm),
          b = setUp(kind, p, sm);
        let once = 0,
          repeated = 0;
        for (let step = 1; step <= 15; step++) {
          const start = ((step - 1) * 8) % p.n,
            end = start + 8;
          const c1 = 1 / (1 - 0.9 ** step),
            c2 = 1 / (1 - 0.999 ** step);
          const counts = new Map<number, number>();
          for (let k = start; k < end; k++) counts.set(p.users[k]!, (counts.get(p.users[k]!) ?? 0) + 1);
          for (const c of counts.values()) c === 1 ? once++ : repeated++;
          const sa = a.ops.gradientTouched(start, end, 0.25, 0.005, step);
          a.ops.adamLazy(0.02, 0.9, 0.999, 1e-8, c1, c2, 1e-3, 1);
          const sb = b.ops.stepLazy(start, end, 0.25, 0.005, step, 0.02, 0.9, 0.999, 1e-8, c1, c2, 1e-3, 1);
          assert.equal(sb, sa, `step ${step}: loss`);
        }
        assert.ok(once > 0 && repeated > 0, `the batches hold users used once (${once}) and more than once (${repeated})`);
        assert.deepEqual(b.ops.f32.subarray(0, a.L.paramsEnd), a.ops.f32.subarray(0, a.L.paramsEnd));
        assert.ok(gradientsZero(b.ops, b.L), "gradients zeroed");
      });

  for (const kind of ["js", "wasm", "wasm-touch"] as const) {
    for (const lazy of [true, false]) {
      it(`${kind}: ${lazy ? "lazy" : "dense"} Adam on the records matches a slow obvious computation over separate arrays (weights and both moments)`, () => {
        const p = problem(23);
        const { ops, L } = setUp(kind, p);
        const o = { lr: 0.02, l2: 1e-3, reg: 0.02 },
          batch = 8,
          steps = 12;
        adamSteps(ops, p, batch, steps, lazy ? "two-pass" : "dense", o);
        const ref = slowAdam(p, batch, steps, lazy, o);
        const parts = [
          [readWeights(ops.f32, L), ref.W, 2e-4],
          [readPart(ops.f32, L, MOMENT1), ref.M, 2e-4],
          [readPart(ops.f32, L, MOMENT2), ref.V, 2e-4],
        ] as const;
        for (const [got, want, tol] of parts) {
          assertClose(got.userFactors, want.P, tol, "P");
          assertClose(got.itemFactors, want.Q, tol, "Q");
          assertClose(got.userBias, want.bu, tol, "bu");
          assertClose(got.itemBias, want.bi, tol, "bi");
          assertClose([got.globalBias], want.g, tol, "g");
        }
        assert.ok(gradientsZero(ops, L), "gradients zeroed after each step");
        // Padding lanes of every part stay exactly zero.
        for (let r = 0; r < NU + NI; r++)
          for (const part of [WEIGHT, GRADIENT, MOMENT1, MOMENT2])
            for (let d = DIM; d < L.stride; d++) assert.equal(ops.f32[factorOffset(L, r, part) + d], 0, `row ${r} part ${part} lane ${d}`);
      });
    }
  }
});
