;; Top-N by brute force in WebAssembly SIMD (f32x4), two steps (driven by src/recommend/scorer.ts):
;; scoreBlock: a block of users against every item, a dense (users x dim) by (dim x items) matrix product plus the
;;   biases, written as a users x items f32 matrix; no pruning.
;; selectRow: the best k of one row of that matrix with a fixed-size heap, excluded items skipped, sorted best first.
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

  ;; Pushes (item, s) when it can enter: while the heap is not full, s >= bar (the bound); once full, s above its worst.
  (func $offer (param $item i32) (param $s f32) (param $bar f32)
    (if (i32.lt_s (global.get $SIZE) (global.get $K))
      (then (if (f32.ge (local.get $s) (local.get $bar)) (then (call $push (local.get $item) (local.get $s)))))
      (else (if (f32.gt (local.get $s) (f32.load (global.get $HV))) (then (call $push (local.get $item) (local.get $s)))))))

  ;; The best $k items of the row of $ni f32 scores at byte $row, skipping items whose byte at $mask + item is not 0
  ;; (the caller has also set their scores to NaN); NaN counts as -Infinity. Leaves the heap at $hi / $hv, sorted best
  ;; first, and returns its size.
  ;; The bound: M = 4 * ceil(k / 4) >= k disjoint sets of items (item i in set i mod M, whole stretches of M items
  ;; only); each set's maximum is a score some item reaches, so the smallest of the M maxima ($bar) is at most the
  ;; M-th best score, itself at most the k-th best. Only scores >= $bar can enter, and once the heap is full (items
  ;; come in ascending order) only scores above its worst. The maxima take one SIMD pass (pmax keeps the maximum on
  ;; NaN); four scores are compared at once and looked at one by one only when one of them passes. When a set has no
  ;; score (all excluded or NaN, or the row is shorter than M), every item is looked at: that needs the mask, and
  ;; with $mask 0 (none given) selectRow returns -1 instead, for the caller to call again with it.
  (func (export "selectRow") (param $row i32) (param $ni i32) (param $k i32) (param $mask i32) (param $hi i32) (param $hv i32) (result i32)
    (local $i i32) (local $t i32) (local $a i32) (local $na i32) (local $end i32) (local $s f32) (local $bar f32) (local $m v128)
    (global.set $HI (local.get $hi)) (global.set $HV (local.get $hv)) (global.set $K (local.get $k)) (global.set $SIZE (i32.const 0))
    ;; The set maxima: $na vectors of four lanes at $hv (the heap's slots, free until the bound is known).
    (local.set $na (i32.shr_u (i32.add (local.get $k) (i32.const 3)) (i32.const 2)))
    (local.set $bar (f32.const -inf))
    (if (i32.le_u (i32.shl (local.get $na) (i32.const 2)) (local.get $ni))
      (then
        (local.set $a (i32.const 0))
        (loop $init
          (v128.store (i32.add (local.get $hv) (i32.shl (local.get $a) (i32.const 4))) (f32x4.splat (f32.const -inf)))
          (br_if $init (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 1))) (local.get $na))))
        ;; Whole stretches of 4 * na items: the row's vector number v goes to maximum v mod na.
        (local.set $end (i32.mul (i32.div_u (local.get $ni) (i32.shl (local.get $na) (i32.const 2))) (i32.shl (local.get $na) (i32.const 2))))
        (local.set $a (i32.const 0))
        (block $maxDone
          (loop $max
            (br_if $maxDone (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $t (i32.add (local.get $hv) (i32.shl (local.get $a) (i32.const 4))))
            (v128.store (local.get $t) (f32x4.pmax (v128.load (local.get $t)) (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (if (i32.eq (local.get $a) (local.get $na)) (then (local.set $a (i32.const 0))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $max)))
        ;; $bar = the smallest of the maxima (-Infinity when a set had no score).
        (local.set $m (v128.load (local.get $hv)))
        (local.set $a (i32.const 1))
        (block $minDone
          (loop $min
            (br_if $minDone (i32.ge_u (local.get $a) (local.get $na)))
            (local.set $m (f32x4.pmin (local.get $m) (v128.load (i32.add (local.get $hv) (i32.shl (local.get $a) (i32.const 4))))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $min)))
        (local.set $bar (f32.min (f32.min (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
          (f32.min (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))
        (local.set $i (i32.const 0))))
    (if (f32.eq (local.get $bar) (f32.const -inf))
      (then
        ;; Only here are excluded items told apart from NaN scores: without a mask ($mask 0), ask for one.
        (if (i32.eqz (local.get $mask)) (then (return (i32.const -1))))
        ;; No useful bound: every item that is not excluded, NaN as -Infinity, until the heap holds k; then the scan.
        (block $filled
          (loop $fill
            (br_if $filled (i32.ge_s (global.get $SIZE) (global.get $K)))
            (br_if $filled (i32.ge_u (local.get $i) (local.get $ni)))
            (if (i32.eqz (i32.load8_u (i32.add (local.get $mask) (local.get $i))))
              (then
                (local.set $s (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))))
                (if (f32.ne (local.get $s) (local.get $s)) (then (local.set $s (f32.const -inf))))
                (call $push (local.get $i) (local.get $s))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $fill)))))
    ;; The scan from item $i: the vector test uses the current bar (the bound, or the heap's worst once full), a
    ;; superset of what $offer lets in. Excluded items hold NaN, so they never pass.
    (if (i32.ge_s (global.get $SIZE) (global.get $K)) (then (local.set $bar (f32.load (global.get $HV)))))
    (block $done4
      (loop $four
        (br_if $done4 (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $ni)))
        (if (v128.any_true (f32x4.ge (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))) (f32x4.splat (local.get $bar))))
          (then
            (local.set $t (local.get $i))
            (loop $each
              (call $offer (local.get $t) (f32.load (i32.add (local.get $row) (i32.shl (local.get $t) (i32.const 2)))) (local.get $bar))
              (br_if $each (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (i32.add (local.get $i) (i32.const 4)))))
            (if (i32.ge_s (global.get $SIZE) (global.get $K)) (then (local.set $bar (f32.load (global.get $HV)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $four)))
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $ni)))
        (call $offer (local.get $i) (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))) (local.get $bar))
        (if (i32.ge_s (global.get $SIZE) (global.get $K)) (then (local.set $bar (f32.load (global.get $HV)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $one)))
    ;; Heap sort: the worst (the root) goes to the last slot, the rest is sifted again; the slots end best first.
    (local.set $t (global.get $SIZE))
    (block $sorted
      (loop $sort
        (br_if $sorted (i32.le_s (local.get $t) (i32.const 1)))
        (local.set $t (i32.sub (local.get $t) (i32.const 1)))
        (local.set $i (i32.load (i32.add (global.get $HI) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $s (f32.load (i32.add (global.get $HV) (i32.shl (local.get $t) (i32.const 2)))))
        (i32.store (i32.add (global.get $HI) (i32.shl (local.get $t) (i32.const 2))) (i32.load (global.get $HI)))
        (f32.store (i32.add (global.get $HV) (i32.shl (local.get $t) (i32.const 2))) (f32.load (global.get $HV)))
        (call $siftDown (i32.const 0) (local.get $i) (local.get $s) (local.get $t))
        (br $sort)))
    (global.get $SIZE))

  ;; The four dot products of accumulators a, b, c, d, each as (l0 + l1) + (l2 + l3) (the bits $hsum gives), as lanes.
  (func $hsum4 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $s v128) (local $u v128)
    (local.set $s (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a) (local.get $b))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $u (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $c) (local.get $d))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $c) (local.get $d))))
    (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $s) (local.get $u))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $s) (local.get $u))))

  ;; Stores the scores of one user (bias $ub) and four items (biases from byte $ib) at byte $at:
  ;; dot + ((ub + ib) + g) lane by lane, as $put does for one pair.
  (func $put4 (param $at i32) (param $a v128) (param $b v128) (param $c v128) (param $d v128) (param $ub f32) (param $ib i32) (param $g f32)
    (v128.store (local.get $at)
      (f32x4.add (call $hsum4 (local.get $a) (local.get $b) (local.get $c) (local.get $d))
        (f32x4.add (f32x4.add (f32x4.splat (local.get $ub)) (v128.load (local.get $ib))) (f32x4.splat (local.get $g))))))

;; out[r * ni + i] = score of user row r (of nu, from byte $users; biases f32 from $ubias) and item row i (of ni,
  ;; from $items; biases from $ibias). Tiles of 2 users x 4 items share their loads (the last odd user: 1 x 4); the
  ;; last ni % 4 items go pair by pair.
  (func (export "scoreBlock") (param $users i32) (param $ubias i32) (param $nu i32) (param $items i32) (param $ibias i32)
        (param $ni i32) (param $S i32) (param $g f32) (param $out i32)
    (local $r i32) (local $i i32) (local $j i32) (local $t i32) (local $row i32) (local $o i32) (local $two i32)
    (local $p0 i32) (local $p1 i32) (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32)
    (local $ub0 f32) (local $ub1 f32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $y v128)
    (local $a00 v128) (local $a01 v128) (local $a02 v128) (local $a03 v128)
    (local $a10 v128) (local $a11 v128) (local $a12 v128) (local $a13 v128)
    (local.set $row (i32.shl (local.get $ni) (i32.const 2)))
    (block $usersdone
      (loop $users
        (br_if $usersdone (i32.ge_u (local.get $r) (local.get $nu)))
        ;; Two users, or the last one alone (then its row is used twice and only the first is stored).
        (local.set $two (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $nu)))
        (local.set $p0 (i32.add (local.get $users) (i32.mul (local.get $r) (local.get $S))))
        (local.set $p1 (select (i32.add (local.get $p0) (local.get $S)) (local.get $p0) (local.get $two)))
        (local.set $ub0 (f32.load (i32.add (local.get $ubias) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $ub1 (f32.load (i32.add (local.get $ubias) (i32.shl (select (i32.add (local.get $r) (i32.const 1)) (local.get $r) (local.get $two)) (i32.const 2)))))
        (local.set $i (i32.const 0))
        (block $items4done
          (loop $items4
            (br_if $items4done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $ni)))
            (local.set $q0 (i32.add (local.get $items) (i32.mul (local.get $i) (local.get $S))))
            (local.set $q1 (i32.add (local.get $q0) (local.get $S)))
            (local.set $q2 (i32.add (local.get $q1) (local.get $S)))
            (local.set $q3 (i32.add (local.get $q2) (local.get $S)))
            (local.set $a00 (v128.const i32x4 0 0 0 0)) (local.set $a01 (v128.const i32x4 0 0 0 0))
            (local.set $a02 (v128.const i32x4 0 0 0 0)) (local.set $a03 (v128.const i32x4 0 0 0 0))
            (local.set $a10 (v128.const i32x4 0 0 0 0)) (local.set $a11 (v128.const i32x4 0 0 0 0))
            (local.set $a12 (v128.const i32x4 0 0 0 0)) (local.set $a13 (v128.const i32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (loop $k
              (local.set $x0 (v128.load (i32.add (local.get $q0) (local.get $j))))
              (local.set $x1 (v128.load (i32.add (local.get $q1) (local.get $j))))
              (local.set $x2 (v128.load (i32.add (local.get $q2) (local.get $j))))
              (local.set $x3 (v128.load (i32.add (local.get $q3) (local.get $j))))
              (local.set $y (v128.load (i32.add (local.get $p0) (local.get $j))))
              (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $y) (local.get $x0))))
              (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $y) (local.get $x1))))
              (local.set $a02 (f32x4.add (local.get $a02) (f32x4.mul (local.get $y) (local.get $x2))))
              (local.set $a03 (f32x4.add (local.get $a03) (f32x4.mul (local.get $y) (local.get $x3))))
              (local.set $y (v128.load (i32.add (local.get $p1) (local.get $j))))
              (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $y) (local.get $x0))))
              (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $y) (local.get $x1))))
              (local.set $a12 (f32x4.add (local.get $a12) (f32x4.mul (local.get $y) (local.get $x2))))
              (local.set $a13 (f32x4.add (local.get $a13) (f32x4.mul (local.get $y) (local.get $x3))))
              (br_if $k (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $S))))
            (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $ni)) (local.get $i)) (i32.const 2))))
            (call $put4 (local.get $o) (local.get $a00) (local.get $a01) (local.get $a02) (local.get $a03) (local.get $ub0)
              (i32.add (local.get $ibias) (i32.shl (local.get $i) (i32.const 2))) (local.get $g))
            (if (local.get $two)
              (then
                (call $put4 (i32.add (local.get $o) (local.get $row)) (local.get $a10) (local.get $a11) (local.get $a12) (local.get $a13) (local.get $ub1)
                  (i32.add (local.get $ibias) (i32.shl (local.get $i) (i32.const 2))) (local.get $g))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $items4)))
        ;; The last ni % 4 items, pair by pair, for the one or two users.
        (local.set $t (i32.const 0))
        (block $tusersdone
          (loop $tusers
            (br_if $tusersdone (i32.ge_u (local.get $t) (select (i32.const 2) (i32.const 1) (local.get $two))))
            (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (i32.add (local.get $r) (local.get $t)) (local.get $ni)) (i32.const 2))))
            (local.set $j (local.get $i))
            (block $titemsdone
              (loop $titems
                (br_if $titemsdone (i32.ge_u (local.get $j) (local.get $ni)))
                (call $put (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2)))
                  (call $dot (i32.add (local.get $p0) (i32.mul (local.get $t) (local.get $S))) (i32.add (local.get $items) (i32.mul (local.get $j) (local.get $S))) (local.get $S))
                  (select (local.get $ub1) (local.get $ub0) (local.get $t))
                  (f32.load (i32.add (local.get $ibias) (i32.shl (local.get $j) (i32.const 2))))
                  (local.get $g))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $titems)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $tusers)))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $users)))))
