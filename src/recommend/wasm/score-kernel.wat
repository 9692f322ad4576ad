;; Top-N scoring in WebAssembly SIMD (f32x4): one user vector against a range of item rows.
;; Layout (src/recommend/scorer.ts): item rows of S bytes (S a multiple of 64, zero-padded) from byte Q, one f32
;; bias per row from byte B. src/recommend/scorer.ts has the same arithmetic in TypeScript (Math.fround at every
;; step, so both give the same bits) for runtimes without WebAssembly SIMD.
;; Rebuild the embedded bytes after editing: npx tsx src/recommend/wasm/assemble.ts
(module
  (import "env" "memory" (memory 1))
  (global $S (mut i32) (i32.const 0))
  (global $Q (mut i32) (i32.const 0))
  (global $B (mut i32) (i32.const 0))

  (func (export "init") (param $stride i32) (param $q i32) (param $b i32)
    (global.set $S (local.get $stride))
    (global.set $Q (local.get $q))
    (global.set $B (local.get $b)))

  ;; dot(row at byte $p, item row $i) + ((ub + bias[i]) + g), in f32. 16 floats per iteration into four
  ;; accumulators; lanes summed as ((l0 + l1) + (l2 + l3)) after (acc0 + acc1) + (acc2 + acc3).
  (func $score (param $p i32) (param $i i32) (param $ub f32) (param $g f32) (result f32)
    (local $j i32) (local $a i32) (local $b i32) (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local.set $b (i32.add (global.get $Q) (i32.mul (local.get $i) (global.get $S))))
    (loop $dot
      (local.set $a (i32.add (local.get $p) (local.get $j)))
      (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (v128.load (local.get $a)) (v128.load (i32.add (local.get $b) (local.get $j))))))
      (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (i32.add (local.get $b) (local.get $j))))))
      (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (v128.load offset=32 (local.get $a)) (v128.load offset=32 (i32.add (local.get $b) (local.get $j))))))
      (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (v128.load offset=48 (local.get $a)) (v128.load offset=48 (i32.add (local.get $b) (local.get $j))))))
      (br_if $dot (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 64))) (global.get $S))))
    (local.set $acc0 (f32x4.add (f32x4.add (local.get $acc0) (local.get $acc1)) (f32x4.add (local.get $acc2) (local.get $acc3))))
    (f32.add
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0))))
      (f32.add
        (f32.add (local.get $ub) (f32.load (i32.add (global.get $B) (i32.shl (local.get $i) (i32.const 2)))))
        (local.get $g))))

  ;; Scores of rows [start, end) into f32s at byte $out.
  (func (export "scoreRange") (param $p i32) (param $start i32) (param $end i32) (param $ub f32) (param $g f32) (param $out i32)
    (local $i i32)
    (if (i32.ge_s (local.get $start) (local.get $end)) (then (return)))
    (local.set $i (local.get $start))
    (loop $rows
      (f32.store (local.get $out) (call $score (local.get $p) (local.get $i) (local.get $ub) (local.get $g)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br_if $rows (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $end)))))

  ;; Rows of [start, end) scoring >= $thr: row numbers (i32) at byte $oi and scores (f32) at byte $ov; returns how many.
  ;; The dot product of $score is inlined here (same operations in the same order): this loop is the hot path.
  (func (export "candidates") (param $p i32) (param $start i32) (param $end i32) (param $ub f32) (param $g f32) (param $thr f32)
        (param $oi i32) (param $ov i32) (result i32)
    (local $i i32) (local $s f32) (local $n i32) (local $j i32) (local $a i32) (local $b i32) (local $bias i32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (if (i32.ge_s (local.get $start) (local.get $end)) (then (return (i32.const 0))))
    (local.set $i (local.get $start))
    (local.set $b (i32.add (global.get $Q) (i32.mul (local.get $i) (global.get $S))))
    (local.set $bias (i32.add (global.get $B) (i32.shl (local.get $i) (i32.const 2))))
    (loop $rows
      (local.set $acc0 (v128.const i32x4 0 0 0 0))
      (local.set $acc1 (v128.const i32x4 0 0 0 0))
      (local.set $acc2 (v128.const i32x4 0 0 0 0))
      (local.set $acc3 (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (loop $dot
        (local.set $a (i32.add (local.get $p) (local.get $j)))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
        (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b)))))
        (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b)))))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (br_if $dot (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 64))) (global.get $S))))
      (local.set $acc0 (f32x4.add (f32x4.add (local.get $acc0) (local.get $acc1)) (f32x4.add (local.get $acc2) (local.get $acc3))))
      (local.set $s
        (f32.add
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0))))
          (f32.add (f32.add (local.get $ub) (f32.load (local.get $bias))) (local.get $g))))
      (if (f32.ge (local.get $s) (local.get $thr))
        (then
          (i32.store (i32.add (local.get $oi) (i32.shl (local.get $n) (i32.const 2))) (local.get $i))
          (f32.store (i32.add (local.get $ov) (i32.shl (local.get $n) (i32.const 2))) (local.get $s))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))))
      (local.set $bias (i32.add (local.get $bias) (i32.const 4)))
      (br_if $rows (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $end))))
    (local.get $n))
)
