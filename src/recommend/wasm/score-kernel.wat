;; Top-N by brute force in WebAssembly SIMD (f32x4), two steps (driven by src/recommend/scorer.ts):
;; scoreBlock: a block of users against every item, a dense (users x dim) by (dim x items) matrix product plus the
;;   biases, written as a users x items f32 matrix; no pruning.
;; selectRow: the best k of one row of that matrix with a fixed-size heap, excluded items skipped.
;; Rows are S bytes apart (S a multiple of 16, zero-padded past dim). Every (user, item) pair has its own f32x4
;; accumulator summed over the row in order, then (l0 + l1) + (l2 + l3), then dot + ((userBias + itemBias) + g): the
;; same bits for a pair whatever block or tile it is computed in, so one user alone and a block of users agree exactly.
;; Rebuild the embedded bytes after editing: npm run kernel:assemble
(module
  (import "env" "memory" (memory 1))
  ;; The heap of selectRow: item indices (i32) from byte HI, scores (f32) from byte HV, capacity K, size SIZE.
  (global $HI (mut i32) (i32.const 0))
  (global $HV (mut i32) (i32.const 0))
  (global $K (mut i32) (i32.const 0))
  (global $SIZE (mut i32) (i32.const 0))

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Stores dot + ((ub + ib) + g) at byte $at.
  (func $put (param $at i32) (param $acc v128) (param $ub f32) (param $ib f32) (param $g f32)
    (f32.store (local.get $at)
      (f32.add (call $hsum (local.get $acc)) (f32.add (f32.add (local.get $ub) (local.get $ib)) (local.get $g)))))

  ;; The accumulator of one pair: rows at bytes $p and $q, S bytes each.
  (func $dot (param $p i32) (param $q i32) (param $S i32) (result v128)
    (local $j i32) (local $acc v128)
    (loop $k
      (local.set $acc (f32x4.add (local.get $acc)
        (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $j))) (v128.load (i32.add (local.get $q) (local.get $j))))))
      (br_if $k (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $S))))
    (local.get $acc))


  ;; ---- selection: a fixed-size heap whose root is the worst kept pair; "worse" = lower score, or equal score and
  ;; higher item index (so the result never depends on the order pairs arrive in) ----
  ;; Places (item, score) at heap slot $c moving down from there.
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

  ;; The largest non-NaN score in [$a, $b) of the row (-Infinity if none): pmax keeps the accumulator on NaN.
  (func $rangeMax (param $row i32) (param $a i32) (param $b i32) (result f32)
    (local $v v128) (local $m f32) (local $x f32)
    (local.set $v (f32x4.splat (f32.const -inf)))
    (block $d4
      (loop $l4
        (br_if $d4 (i32.gt_u (i32.add (local.get $a) (i32.const 4)) (local.get $b)))
        (local.set $v (f32x4.pmax (local.get $v) (v128.load (i32.add (local.get $row) (i32.shl (local.get $a) (i32.const 2))))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (br $l4)))
    (local.set $m (f32.const -inf))
    (block $d1
      (loop $l1
        (br_if $d1 (i32.ge_u (local.get $a) (local.get $b)))
        (local.set $x (f32.load (i32.add (local.get $row) (i32.shl (local.get $a) (i32.const 2)))))
        (if (f32.gt (local.get $x) (local.get $m)) (then (local.set $m (local.get $x))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $l1)))
    (f32.max (f32.max (f32.max (local.get $m) (f32x4.extract_lane 0 (local.get $v))) (f32x4.extract_lane 1 (local.get $v)))
      (f32.max (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; The best $k items of the row of $ni f32 scores at byte $row, skipping items whose byte at $mask + item is not 0
  ;; (the caller has also set their scores to NaN); NaN counts as -Infinity. Leaves the heap (unordered) at $hi / $hv
  ;; and returns its size.
  ;; The row is cut into M >= k chunks: the k-th largest of their maxima ($bar) is at most the k-th best score (k
  ;; different items reach it), so only scores >= $bar can enter, and after the heap is full (items come in ascending order) only scores above its worst.
  ;; Four scores are compared at once and looked at one by one only when one of them passes. When
  ;; fewer than k chunks have a score (all excluded or NaN), every item is looked at.
  (func (export "selectRow") (param $row i32) (param $ni i32) (param $k i32) (param $mask i32) (param $hi i32) (param $hv i32) (result i32)
    (local $i i32) (local $t i32) (local $c i32) (local $nc i32) (local $len i32) (local $s f32) (local $bar f32) (local $m f32)
    (global.set $HI (local.get $hi)) (global.set $HV (local.get $hv)) (global.set $K (local.get $k)) (global.set $SIZE (i32.const 0))
    ;; The maxima of M = min(4k, ni) chunks go through the heap first: the k-th largest of them is the bound.
    (local.set $nc (select (local.get $ni) (i32.shl (local.get $k) (i32.const 2)) (i32.lt_u (local.get $ni) (i32.shl (local.get $k) (i32.const 2)))))
    (local.set $len (i32.div_u (local.get $ni) (local.get $nc)))
    (block $chunksDone
      (loop $chunks
        (br_if $chunksDone (i32.ge_u (local.get $c) (local.get $nc)))
        (local.set $m (call $rangeMax (local.get $row) (i32.mul (local.get $c) (local.get $len))
          (select (local.get $ni) (i32.mul (i32.add (local.get $c) (i32.const 1)) (local.get $len)) (i32.eq (local.get $c) (i32.sub (local.get $nc) (i32.const 1))))))
        (call $push (local.get $c) (local.get $m))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $chunks)))
    (local.set $bar (select (f32.load (global.get $HV)) (f32.const -inf) (i32.ge_s (global.get $SIZE) (global.get $K))))
    (global.set $SIZE (i32.const 0))
    (if (f32.eq (local.get $bar) (f32.const -inf))
      (then
        ;; No useful bound: every item that is not excluded, NaN as -Infinity.
        (block $allDone
          (loop $all
            (br_if $allDone (i32.ge_u (local.get $i) (local.get $ni)))
            (if (i32.eqz (i32.load8_u (i32.add (local.get $mask) (local.get $i))))
              (then
                (local.set $s (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))))
                (if (f32.ne (local.get $s) (local.get $s)) (then (local.set $s (f32.const -inf))))
                (call $push (local.get $i) (local.get $s))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $all)))
        (return (global.get $SIZE))))
    ;; Excluded items hold NaN here, so they never pass a comparison.
    (block $done4
      (loop $four
        (br_if $done4 (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $ni)))
        (if (v128.any_true (f32x4.ge (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))) (f32x4.splat (local.get $bar))))
          (then
            (local.set $t (local.get $i))
            (loop $each
              (call $offer (local.get $t) (f32.load (i32.add (local.get $row) (i32.shl (local.get $t) (i32.const 2)))) (local.get $bar))
              (if (i32.ge_s (global.get $SIZE) (global.get $K)) (then (local.set $bar (f32.load (global.get $HV)))))
              (br_if $each (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (i32.add (local.get $i) (i32.const 4)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $four)))
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $ni)))
        (call $offer (local.get $i) (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))) (local.get $bar))
        (if (i32.ge_s (global.get $SIZE) (global.get $K)) (then (local.set $bar (f32.load (global.get $HV)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $one)))
    (global.get $SIZE))

  ;; Pushes (item, s) when it can enter: while the heap is not full, s >= bar (the bound); once full, s above its worst.
  (func $offer (param $item i32) (param $s f32) (param $bar f32)
    (if (i32.lt_s (global.get $SIZE) (global.get $K))
      (then (if (f32.ge (local.get $s) (local.get $bar)) (then (call $push (local.get $item) (local.get $s)))))
      (else (if (f32.gt (local.get $s) (f32.load (global.get $HV))) (then (call $push (local.get $item) (local.get $s)))))))

  ;; out[r * ni + i] = score of user row r (of nu, from byte $users; biases f32 from $ubias) and item row i (of ni,
  ;; from $items; biases from $ibias). Tiles of 4 users x 2 items share their loads; the rest go pair by pair.
  (func (export "scoreBlock") (param $users i32) (param $ubias i32) (param $nu i32) (param $items i32) (param $ibias i32)
        (param $ni i32) (param $S i32) (param $g f32) (param $out i32)
    (local $r i32) (local $i i32) (local $j i32) (local $t i32) (local $row i32) (local $o i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $q0 i32) (local $q1 i32)
    (local $ub0 f32) (local $ub1 f32) (local $ub2 f32) (local $ub3 f32) (local $ib0 f32) (local $ib1 f32)
    (local $x0 v128) (local $x1 v128) (local $y v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local.set $row (i32.shl (local.get $ni) (i32.const 2)))
    ;; Users four at a time.
    (block $users4done
      (loop $users4
        (br_if $users4done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $nu)))
        (local.set $p0 (i32.add (local.get $users) (i32.mul (local.get $r) (local.get $S))))
        (local.set $p1 (i32.add (local.get $p0) (local.get $S)))
        (local.set $p2 (i32.add (local.get $p1) (local.get $S)))
        (local.set $p3 (i32.add (local.get $p2) (local.get $S)))
        (local.set $ub0 (f32.load (i32.add (local.get $ubias) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $ub1 (f32.load offset=4 (i32.add (local.get $ubias) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $ub2 (f32.load offset=8 (i32.add (local.get $ubias) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $ub3 (f32.load offset=12 (i32.add (local.get $ubias) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $i (i32.const 0))
        (block $items2done
          (loop $items2
            (br_if $items2done (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $ni)))
            (local.set $q0 (i32.add (local.get $items) (i32.mul (local.get $i) (local.get $S))))
            (local.set $q1 (i32.add (local.get $q0) (local.get $S)))
            (local.set $a00 (v128.const i32x4 0 0 0 0)) (local.set $a01 (v128.const i32x4 0 0 0 0))
            (local.set $a10 (v128.const i32x4 0 0 0 0)) (local.set $a11 (v128.const i32x4 0 0 0 0))
            (local.set $a20 (v128.const i32x4 0 0 0 0)) (local.set $a21 (v128.const i32x4 0 0 0 0))
            (local.set $a30 (v128.const i32x4 0 0 0 0)) (local.set $a31 (v128.const i32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (loop $k
              (local.set $x0 (v128.load (i32.add (local.get $q0) (local.get $j))))
              (local.set $x1 (v128.load (i32.add (local.get $q1) (local.get $j))))
              (local.set $y (v128.load (i32.add (local.get $p0) (local.get $j))))
              (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $y) (local.get $x0))))
              (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $y) (local.get $x1))))
              (local.set $y (v128.load (i32.add (local.get $p1) (local.get $j))))
              (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $y) (local.get $x0))))
              (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $y) (local.get $x1))))
              (local.set $y (v128.load (i32.add (local.get $p2) (local.get $j))))
              (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $y) (local.get $x0))))
              (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $y) (local.get $x1))))
              (local.set $y (v128.load (i32.add (local.get $p3) (local.get $j))))
              (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (local.get $y) (local.get $x0))))
              (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (local.get $y) (local.get $x1))))
              (br_if $k (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $S))))
            (local.set $ib0 (f32.load (i32.add (local.get $ibias) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $ib1 (f32.load offset=4 (i32.add (local.get $ibias) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $ni)) (local.get $i)) (i32.const 2))))
            (call $put (local.get $o) (local.get $a00) (local.get $ub0) (local.get $ib0) (local.get $g))
            (call $put (i32.add (local.get $o) (i32.const 4)) (local.get $a01) (local.get $ub0) (local.get $ib1) (local.get $g))
            (local.set $o (i32.add (local.get $o) (local.get $row)))
            (call $put (local.get $o) (local.get $a10) (local.get $ub1) (local.get $ib0) (local.get $g))
            (call $put (i32.add (local.get $o) (i32.const 4)) (local.get $a11) (local.get $ub1) (local.get $ib1) (local.get $g))
            (local.set $o (i32.add (local.get $o) (local.get $row)))
            (call $put (local.get $o) (local.get $a20) (local.get $ub2) (local.get $ib0) (local.get $g))
            (call $put (i32.add (local.get $o) (i32.const 4)) (local.get $a21) (local.get $ub2) (local.get $ib1) (local.get $g))
            (local.set $o (i32.add (local.get $o) (local.get $row)))
            (call $put (local.get $o) (local.get $a30) (local.get $ub3) (local.get $ib0) (local.get $g))
            (call $put (i32.add (local.get $o) (i32.const 4)) (local.get $a31) (local.get $ub3) (local.get $ib1) (local.get $g))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $items2)))
        ;; An odd last item: the four users one pair at a time.
        (if (i32.lt_u (local.get $i) (local.get $ni))
          (then
            (local.set $q0 (i32.add (local.get $items) (i32.mul (local.get $i) (local.get $S))))
            (local.set $ib0 (f32.load (i32.add (local.get $ibias) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $t (i32.const 0))
            (loop $odd
              (call $put
                (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (i32.add (local.get $r) (local.get $t)) (local.get $ni)) (local.get $i)) (i32.const 2)))
                (call $dot (i32.add (local.get $p0) (i32.mul (local.get $t) (local.get $S))) (local.get $q0) (local.get $S))
                (f32.load (i32.add (local.get $ubias) (i32.shl (i32.add (local.get $r) (local.get $t)) (i32.const 2))))
                (local.get $ib0) (local.get $g))
              (br_if $odd (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (i32.const 4))))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $users4)))
    ;; The last 0-3 users, pair by pair.
    (block $restdone
      (loop $rest
        (br_if $restdone (i32.ge_u (local.get $r) (local.get $nu)))
        (local.set $p0 (i32.add (local.get $users) (i32.mul (local.get $r) (local.get $S))))
        (local.set $ub0 (f32.load (i32.add (local.get $ubias) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (local.get $r) (local.get $ni)) (i32.const 2))))
        (local.set $i (i32.const 0))
        (block $itemsdone
          (loop $items1
            (br_if $itemsdone (i32.ge_u (local.get $i) (local.get $ni)))
            (call $put (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 2)))
              (call $dot (local.get $p0) (i32.add (local.get $items) (i32.mul (local.get $i) (local.get $S))) (local.get $S))
              (local.get $ub0)
              (f32.load (i32.add (local.get $ibias) (i32.shl (local.get $i) (i32.const 2))))
              (local.get $g))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $items1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rest)))))
