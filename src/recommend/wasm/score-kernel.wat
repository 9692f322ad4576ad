;; Top-N in WebAssembly SIMD (f32x4): one user vector against the item rows, cluster bounds, a fixed-size heap.
;; Layout (src/recommend/scorer.ts): item rows of S bytes (S a multiple of 64, zero-padded) from byte Q, one f32
;; bias per row from byte B. src/recommend/scorer.ts has the same arithmetic in TypeScript (Math.fround at every
;; step, so both give the same bits) for runtimes without WebAssembly SIMD.
;; Rebuild the embedded bytes after editing: npx tsx src/recommend/wasm/assemble.ts
(module
  (import "env" "memory" (memory 1))
  (global $S (mut i32) (i32.const 0))
  (global $Q (mut i32) (i32.const 0))
  (global $B (mut i32) (i32.const 0))

  ;; The top-N engine's layout (byte offsets): item index per position, exclusion bytes per item, cluster offsets
  ;; (positions, C + 1 i32), radius / centroid norm / max item bias (f64 each, C), bounds (f64, C), visit order
  ;; (i32, C), heap item indices (i32) and scores (f32).
  (global $ORDER (mut i32) (i32.const 0))
  (global $MASK (mut i32) (i32.const 0))
  (global $OFF (mut i32) (i32.const 0))
  (global $RAD (mut i32) (i32.const 0))
  (global $CN (mut i32) (i32.const 0))
  (global $MB (mut i32) (i32.const 0))
  (global $BND (mut i32) (i32.const 0))
  (global $VIS (mut i32) (i32.const 0))
  (global $HI (mut i32) (i32.const 0))
  (global $HV (mut i32) (i32.const 0))
  (global $DC (mut i32) (i32.const 0))   ;; per cluster: dot(p, centroid) of the current user (f64)
  (global $QN (mut i32) (i32.const 0))   ;; per position: |q| (f64)
  (global $BM (mut i32) (i32.const 0))   ;; per position: item bias + 2e-5 (|item bias| + 1) (f64)
  (global $BX (mut i32) (i32.const 0))   ;; per position: max of BM from this position to its cluster's end (f64)
  (global $CT (mut i32) (i32.const 0))   ;; per position: cos and sin of the angle between q and its cluster's centroid (f64)
  (global $ST (mut i32) (i32.const 0))
  (global $NI (mut i32) (i32.const 0))   ;; number of items
  (global $NC (mut i32) (i32.const 0))   ;; number of clusters (0: no pruning)
  (global $K (mut i32) (i32.const 0))    ;; heap capacity for this call
  (global $SIZE (mut i32) (i32.const 0)) ;; heap size

  (func (export "init") (param $stride i32) (param $q i32) (param $b i32)
    (global.set $S (local.get $stride))
    (global.set $Q (local.get $q))
    (global.set $B (local.get $b)))

  (func (export "initTopN") (param $order i32) (param $mask i32) (param $off i32) (param $rad i32) (param $cn i32) (param $mb i32)
        (param $bnd i32) (param $vis i32) (param $hi i32) (param $hv i32) (param $ni i32) (param $nc i32)
        (param $qn i32) (param $ct i32) (param $st i32) (param $dc i32) (param $bm i32) (param $bx i32)
    (global.set $BX (local.get $bx)) (global.set $BM (local.get $bm)) (global.set $DC (local.get $dc)) (global.set $QN (local.get $qn)) (global.set $CT (local.get $ct)) (global.set $ST (local.get $st))
    (global.set $ORDER (local.get $order)) (global.set $MASK (local.get $mask)) (global.set $OFF (local.get $off))
    (global.set $RAD (local.get $rad)) (global.set $CN (local.get $cn)) (global.set $MB (local.get $mb))
    (global.set $BND (local.get $bnd)) (global.set $VIS (local.get $vis)) (global.set $HI (local.get $hi))
    (global.set $HV (local.get $hv)) (global.set $NI (local.get $ni)) (global.set $NC (local.get $nc)))

  ;; dot(row at byte $p, row $i) in f32: 16 floats per iteration into four accumulators, summed lane-wise as
  ;; (acc0 + acc1) + (acc2 + acc3), then ((l0 + l1) + (l2 + l3)).
  (func $dot (param $p i32) (param $i i32) (result f32)
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
      (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))

  ;; dot + ((ub + bias[i]) + g), in f32: the score every path uses.
  (func $score (param $p i32) (param $i i32) (param $ub f32) (param $g f32) (result f32)
    (f32.add (call $dot (local.get $p) (local.get $i))
      (f32.add
        (f32.add (local.get $ub) (f32.load (i32.add (global.get $B) (i32.shl (local.get $i) (i32.const 2)))))
        (local.get $g))))

  ;; ---- top-N with a fixed-size heap; "worse" = lower score, or equal score and higher item index (written out inline) ----
  ;; Places (item, score) at heap slot $c moving down from there (the root holds the worst pair).
  (func $siftDown (param $c i32) (param $item i32) (param $s f32) (param $n i32)
    (local $l i32) (local $r i32) (local $w i32) (local $wv f32) (local $wi i32) (local $rv f32) (local $lv f32)
    (block $done
      (loop $down
        (local.set $l (i32.add (i32.shl (local.get $c) (i32.const 1)) (i32.const 1)))
        (br_if $done (i32.ge_s (local.get $l) (local.get $n)))
        (local.set $w (local.get $l))
        (local.set $r (i32.add (local.get $l) (i32.const 1)))
        (if (i32.lt_s (local.get $r) (local.get $n))
          (then
            (local.set $rv (f32.load (i32.add (global.get $HV) (i32.shl (local.get $r) (i32.const 2)))))
            (local.set $lv (f32.load (i32.add (global.get $HV) (i32.shl (local.get $l) (i32.const 2)))))
            (if (i32.or (f32.lt (local.get $rv) (local.get $lv)) (i32.and (f32.eq (local.get $rv) (local.get $lv)) (i32.gt_s (i32.load (i32.add (global.get $HI) (i32.shl (local.get $r) (i32.const 2)))) (i32.load (i32.add (global.get $HI) (i32.shl (local.get $l) (i32.const 2)))))))
              (then (local.set $w (local.get $r))))))
        (local.set $wv (f32.load (i32.add (global.get $HV) (i32.shl (local.get $w) (i32.const 2)))))
        (local.set $wi (i32.load (i32.add (global.get $HI) (i32.shl (local.get $w) (i32.const 2)))))
        (br_if $done (i32.or (f32.lt (local.get $s) (local.get $wv)) (i32.and (f32.eq (local.get $s) (local.get $wv)) (i32.gt_s (local.get $item) (local.get $wi)))))
        (f32.store (i32.add (global.get $HV) (i32.shl (local.get $c) (i32.const 2))) (local.get $wv))
        (i32.store (i32.add (global.get $HI) (i32.shl (local.get $c) (i32.const 2))) (local.get $wi))
        (local.set $c (local.get $w))
        (br $down)))
    (f32.store (i32.add (global.get $HV) (i32.shl (local.get $c) (i32.const 2))) (local.get $s))
    (i32.store (i32.add (global.get $HI) (i32.shl (local.get $c) (i32.const 2))) (local.get $item)))

  (func $push (param $item i32) (param $s f32)
    (local $c i32) (local $p i32) (local $pv f32) (local $pi i32)
    (if (i32.lt_s (global.get $SIZE) (global.get $K))
      (then
        (local.set $c (global.get $SIZE))
        (global.set $SIZE (i32.add (global.get $SIZE) (i32.const 1)))
        (block $done
          (loop $up
            (br_if $done (i32.eqz (local.get $c)))
            (local.set $p (i32.shr_s (i32.sub (local.get $c) (i32.const 1)) (i32.const 1)))
            (local.set $pv (f32.load (i32.add (global.get $HV) (i32.shl (local.get $p) (i32.const 2)))))
            (local.set $pi (i32.load (i32.add (global.get $HI) (i32.shl (local.get $p) (i32.const 2)))))
            (br_if $done (i32.or (f32.lt (local.get $pv) (local.get $s)) (i32.and (f32.eq (local.get $pv) (local.get $s)) (i32.gt_s (local.get $pi) (local.get $item)))))
            (f32.store (i32.add (global.get $HV) (i32.shl (local.get $c) (i32.const 2))) (local.get $pv))
            (i32.store (i32.add (global.get $HI) (i32.shl (local.get $c) (i32.const 2))) (local.get $pi))
            (local.set $c (local.get $p))
            (br $up)))
        (f32.store (i32.add (global.get $HV) (i32.shl (local.get $c) (i32.const 2))) (local.get $s))
        (i32.store (i32.add (global.get $HI) (i32.shl (local.get $c) (i32.const 2))) (local.get $item))
        (return)))
    (if (i32.or (f32.lt (local.get $s) (f32.load (global.get $HV))) (i32.and (f32.eq (local.get $s) (f32.load (global.get $HV))) (i32.gt_s (local.get $item) (i32.load (global.get $HI)))))
      (then (return)))
    (call $siftDown (i32.const 0) (local.get $item) (local.get $s) (global.get $SIZE)))

  ;; Scores positions [start, end) (skipping excluded items before any arithmetic) into the heap.
  ;; With $prune, an item whose cone bound |p| |q| cos(max(0, angle(p, centroid) - angle(q, centroid))) + biases
  ;; (+ margin) is below a full heap's worst score is skipped before its dot product.
  (func $scan (param $p i32) (param $start i32) (param $end i32) (param $ub f32) (param $g f32)
        (param $prune i32) (param $pn f64) (param $cp f64) (param $sp f64)
    (local $pos i32) (local $item i32) (local $s f32) (local $j i32) (local $a i32) (local $b i32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $x f64) (local $c f64) (local $ubd f64) (local $gd f64) (local $k0 f64)
    (if (i32.ge_s (local.get $start) (local.get $end)) (then (return)))
    (local.set $ubd (f64.promote_f32 (local.get $ub)))
    (local.set $gd (f64.promote_f32 (local.get $g)))
    (local.set $k0 (f64.add (f64.add (local.get $ubd) (local.get $gd))
      (f64.mul (f64.const 2e-5) (f64.add (f64.abs (local.get $ubd)) (f64.abs (local.get $gd))))))
    (local.set $pos (local.get $start))
    (block $exit
    (loop $rows
      (local.set $item (i32.load (i32.add (global.get $ORDER) (i32.shl (local.get $pos) (i32.const 2)))))
      (block $skip
      (br_if $skip (i32.load8_u (i32.add (global.get $MASK) (local.get $item))))
      (if (i32.and (local.get $prune) (i32.eq (global.get $SIZE) (global.get $K)))
        (then
          (local.set $x (f64.mul (local.get $pn) (f64.load (i32.add (global.get $QN) (i32.shl (local.get $pos) (i32.const 3))))))
          ;; Members come by decreasing |q|: when even a perfectly aligned vector this long with the largest bias
          ;; left cannot beat the worst kept, no later member of this cluster can.
          (br_if $exit (f64.lt
            (f64.add (f64.add (f64.mul (local.get $x) (f64.const 1.00002))
                              (f64.load (i32.add (global.get $BX) (i32.shl (local.get $pos) (i32.const 3)))))
                     (local.get $k0))
            (f64.promote_f32 (f32.load (global.get $HV)))))
          (local.set $c (f64.load (i32.add (global.get $CT) (i32.shl (local.get $pos) (i32.const 3)))))
          (local.set $c (select (f64.const 1)
            (f64.add (f64.mul (local.get $cp) (local.get $c)) (f64.mul (local.get $sp) (f64.load (i32.add (global.get $ST) (i32.shl (local.get $pos) (i32.const 3))))))
            (f64.ge (local.get $cp) (local.get $c))))
          ;; bound = x c + b_i + ub + g + 2e-5 (x + |ub| + |b_i| + |g| + 1); the per-item part b_i + 2e-5 (|b_i| + 1)
          ;; is precomputed (BM), the per-call part ub + g + 2e-5 (|ub| + |g|) is $k0.
          (br_if $skip (f64.lt
            (f64.add (f64.add (f64.mul (local.get $x) (f64.add (local.get $c) (f64.const 2e-5)))
                              (f64.load (i32.add (global.get $BM) (i32.shl (local.get $pos) (i32.const 3)))))
                     (local.get $k0))
            (f64.promote_f32 (f32.load (global.get $HV)))))))
      (block
        (block
          (local.set $b (i32.add (global.get $Q) (i32.mul (local.get $pos) (global.get $S))))
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
              (f32.add (f32.add (local.get $ub) (f32.load (i32.add (global.get $B) (i32.shl (local.get $pos) (i32.const 2))))) (local.get $g))))
          ;; NaN counts as -Infinity, as in TopKHeap.
          (if (f32.ne (local.get $s) (local.get $s)) (then (local.set $s (f32.const -inf))))
          ;; Most items lose to a full heap's worst: reject them here without a call.
          (if (i32.or (i32.lt_s (global.get $SIZE) (global.get $K)) (f32.ge (local.get $s) (f32.load (global.get $HV))))
            (then (call $push (local.get $item) (local.get $s)))))))
      (br_if $rows (i32.lt_s (local.tee $pos (i32.add (local.get $pos) (i32.const 1))) (local.get $end))))))

  ;; The n best items for the user row at byte $p (|p| = $pn), best first, into the heap arrays; returns how many.
  ;; With clusters: bounds dot(p, centroid) + ((ub + max bias) + g) + |p| radius + margin, visited in decreasing
  ;; order until the heap is full and a bound is below its worst score.
  (func $topN (export "topN") (param $p i32) (param $ub f32) (param $g f32) (param $pn f64) (param $n i32) (result i32)
    (local $c i32) (local $q i32) (local $bd f64) (local $m f64) (local $j i32) (local $cnt i32) (local $it i32) (local $s f32) (local $lastI i32) (local $lastS f32)
    (local $cp f64) (local $cnorm f64) (local $d f64)
    (global.set $K (local.get $n))
    (global.set $SIZE (i32.const 0))
    (if (i32.eqz (global.get $NC))
      (then (call $scan (local.get $p) (i32.const 0) (global.get $NI) (local.get $ub) (local.get $g)
                        (i32.const 0) (f64.const 0) (f64.const 0) (f64.const 0)))
      (else
        (local.set $c (i32.const 0))
        (loop $bounds
          (local.set $m (f64.mul (f64.const 2e-5)
            (f64.add (f64.add (f64.add (f64.add
              (f64.mul (local.get $pn) (f64.add (f64.load (i32.add (global.get $CN) (i32.shl (local.get $c) (i32.const 3))))
                                                (f64.load (i32.add (global.get $RAD) (i32.shl (local.get $c) (i32.const 3))))))
              (f64.abs (f64.promote_f32 (local.get $ub))))
              (f64.abs (f64.load (i32.add (global.get $MB) (i32.shl (local.get $c) (i32.const 3))))))
              (f64.abs (f64.promote_f32 (local.get $g))))
              (f64.const 1))))
          (local.set $d (f64.promote_f32 (call $dot (local.get $p) (i32.add (global.get $NI) (local.get $c)))))
          (f64.store (i32.add (global.get $DC) (i32.shl (local.get $c) (i32.const 3))) (local.get $d))
          (local.set $bd (f64.add (f64.add (f64.add (local.get $d)
            (f64.add (f64.add (f64.promote_f32 (local.get $ub)) (f64.load (i32.add (global.get $MB) (i32.shl (local.get $c) (i32.const 3)))))
                     (f64.promote_f32 (local.get $g))))
            (f64.mul (local.get $pn) (f64.load (i32.add (global.get $RAD) (i32.shl (local.get $c) (i32.const 3))))))
            (local.get $m)))
          (f64.store (i32.add (global.get $BND) (i32.shl (local.get $c) (i32.const 3))) (local.get $bd))
          ;; insertion into the visit order, decreasing bound
          (local.set $q (local.get $c))
          (block $placed
            (loop $shift
              (br_if $placed (i32.eqz (local.get $q)))
              (br_if $placed (f64.ge
                (f64.load (i32.add (global.get $BND) (i32.shl
                  (i32.load (i32.add (global.get $VIS) (i32.shl (i32.sub (local.get $q) (i32.const 1)) (i32.const 2)))) (i32.const 3))))
                (local.get $bd)))
              (i32.store (i32.add (global.get $VIS) (i32.shl (local.get $q) (i32.const 2)))
                (i32.load (i32.add (global.get $VIS) (i32.shl (i32.sub (local.get $q) (i32.const 1)) (i32.const 2)))))
              (local.set $q (i32.sub (local.get $q) (i32.const 1)))
              (br $shift)))
          (i32.store (i32.add (global.get $VIS) (i32.shl (local.get $q) (i32.const 2))) (local.get $c))
          (br_if $bounds (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 1))) (global.get $NC))))
        (local.set $j (i32.const 0))
        (block $stop
          (loop $visit
            (local.set $c (i32.load (i32.add (global.get $VIS) (i32.shl (local.get $j) (i32.const 2)))))
            (br_if $stop (i32.and (i32.eq (global.get $SIZE) (global.get $K))
              (f64.lt (f64.load (i32.add (global.get $BND) (i32.shl (local.get $c) (i32.const 3))))
                      (f64.promote_f32 (f32.load (global.get $HV))))))
            ;; cos of the angle between p and the centroid; -1 (every item bound |p| |q|) when either is zero.
            (local.set $cnorm (f64.load (i32.add (global.get $CN) (i32.shl (local.get $c) (i32.const 3)))))
            (local.set $cp (f64.const -1))
            (if (f64.gt (f64.mul (local.get $pn) (local.get $cnorm)) (f64.const 0))
              (then (local.set $cp (f64.max (f64.const -1) (f64.min (f64.const 1)
                (f64.div (f64.load (i32.add (global.get $DC) (i32.shl (local.get $c) (i32.const 3))))
                         (f64.mul (local.get $pn) (local.get $cnorm))))))))
            (call $scan (local.get $p)
              (i32.load (i32.add (global.get $OFF) (i32.shl (local.get $c) (i32.const 2))))
              (i32.load (i32.add (global.get $OFF) (i32.shl (i32.add (local.get $c) (i32.const 1)) (i32.const 2))))
              (local.get $ub) (local.get $g)
              (i32.const 1) (local.get $pn) (local.get $cp) (f64.sqrt (f64.sub (f64.const 1) (f64.mul (local.get $cp) (local.get $cp)))))
            (br_if $visit (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (global.get $NC)))))))
    ;; Drain: the worst goes last; results best first in the heap arrays.
    (local.set $cnt (global.get $SIZE))
    (block $empty
      (loop $drain
        (br_if $empty (i32.eqz (global.get $SIZE)))
        (local.set $it (i32.load (global.get $HI)))
        (local.set $s (f32.load (global.get $HV)))
        (global.set $SIZE (i32.sub (global.get $SIZE) (i32.const 1)))
        (local.set $lastI (i32.load (i32.add (global.get $HI) (i32.shl (global.get $SIZE) (i32.const 2)))))
        (local.set $lastS (f32.load (i32.add (global.get $HV) (i32.shl (global.get $SIZE) (i32.const 2)))))
        (if (global.get $SIZE) (then (call $siftDown (i32.const 0) (local.get $lastI) (local.get $lastS) (global.get $SIZE))))
        (i32.store (i32.add (global.get $HI) (i32.shl (global.get $SIZE) (i32.const 2))) (local.get $it))
        (f32.store (i32.add (global.get $HV) (i32.shl (global.get $SIZE) (i32.const 2))) (local.get $s))
        (br $drain)))
    (local.get $cnt))

  ;; Many users in one call: user r's row at $rows + r * S, bias at $ubs (f32), |p| at $pns (f64), excluded items
  ;; $exIdx[$exOff[r] .. $exOff[r + 1]) (i32); its best $n go to $outI / $outV at r * $n (best first), the count to $outC.
  (func (export "topNMany") (param $rows i32) (param $ubs i32) (param $pns i32) (param $count i32) (param $n i32)
        (param $exOff i32) (param $exIdx i32) (param $outI i32) (param $outV i32) (param $outC i32) (param $g f32)
    (local $r i32) (local $j i32) (local $e i32) (local $c i32) (local $k i32) (local $o i32)
    (if (i32.le_s (local.get $count) (i32.const 0)) (then (return)))
    (loop $users
      (local.set $j (i32.load (i32.add (local.get $exOff) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $e (i32.load (i32.add (local.get $exOff) (i32.shl (i32.add (local.get $r) (i32.const 1)) (i32.const 2)))))
      (block $set (loop $mark
        (br_if $set (i32.ge_s (local.get $j) (local.get $e)))
        (i32.store8 (i32.add (global.get $MASK) (i32.load (i32.add (local.get $exIdx) (i32.shl (local.get $j) (i32.const 2))))) (i32.const 1))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $mark)))
      (local.set $c (call $topN
        (i32.add (local.get $rows) (i32.mul (local.get $r) (global.get $S)))
        (f32.load (i32.add (local.get $ubs) (i32.shl (local.get $r) (i32.const 2))))
        (local.get $g)
        (f64.load (i32.add (local.get $pns) (i32.shl (local.get $r) (i32.const 3))))
        (local.get $n)))
      (i32.store (i32.add (local.get $outC) (i32.shl (local.get $r) (i32.const 2))) (local.get $c))
      (local.set $o (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2)))
      (local.set $k (i32.const 0))
      (block $copied (loop $copy
        (br_if $copied (i32.ge_s (local.get $k) (local.get $c)))
        (i32.store (i32.add (local.get $outI) (i32.add (local.get $o) (i32.shl (local.get $k) (i32.const 2))))
                   (i32.load (i32.add (global.get $HI) (i32.shl (local.get $k) (i32.const 2)))))
        (f32.store (i32.add (local.get $outV) (i32.add (local.get $o) (i32.shl (local.get $k) (i32.const 2))))
                   (f32.load (i32.add (global.get $HV) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $copy)))
      (local.set $j (i32.load (i32.add (local.get $exOff) (i32.shl (local.get $r) (i32.const 2)))))
      (block $cleared (loop $clear
        (br_if $cleared (i32.ge_s (local.get $j) (local.get $e)))
        (i32.store8 (i32.add (global.get $MASK) (i32.load (i32.add (local.get $exIdx) (i32.shl (local.get $j) (i32.const 2))))) (i32.const 0))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $clear)))
      (br_if $users (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $count)))))
)
