;; Biased matrix factorisation training loops in WebAssembly SIMD (f32x4): the "wasm-kernel" backend.
;; The heap layout is src/model/layout.ts: parameters start at byte 0, one record per factor row
;; [weights | m | v] (each part a multiple of 64 bytes; with one second moment per row, v is one float of a 64-byte
;; tail), then bias quads [w g m v] of 16 bytes, then the factor
;; gradients in a region of their own (one row per factor row for the dense steps; the lazy step uses its first rows
;; as a compact scratch, one row per row the batch touched), then the training rows as 12-byte records (user, item,
;; rating). src/model/kernel-ops.ts has the same loops in plain TypeScript and documents each function.
;; Rebuild the embedded bytes after editing: npm run kernel:assemble (scripts/assemble-kernels.ts)
(module
  (import "env" "memory" (memory 1))
  (global $S (mut i32) (i32.const 0))   ;; one part of a factor record (the row stride of its weights), bytes
  (global $R (mut i32) (i32.const 0))   ;; a whole factor record, bytes (3 · $S per weight; 2 · $S + 64 per row)
  (global $ROW (mut i32) (i32.const 0)) ;; 1: Adam's second moment is one float per row (at byte 2 · $S of the record)
  (global $DIM (mut f32) (f32.const 0)) ;; the factors' true length (the mean of a row's squared gradient divides by it)
  (global $Q (mut i32) (i32.const 0))   ;; byte offsets: item records, user bias quads, item bias quads, global quad
  (global $BU (mut i32) (i32.const 0))
  (global $BI (mut i32) (i32.const 0))
  (global $G (mut i32) (i32.const 0))
  (global $PE (mut i32) (i32.const 0))  ;; end of the parameter region, bytes
  (global $GR (mut i32) (i32.const 0))  ;; factor gradients: user u's (dense) at $GR + u·$S, item i's at $GI + i·$S
  (global $GI (mut i32) (i32.const 0))
  (global $TR (mut i32) (i32.const 0))  ;; training records

  ;; All arguments are element (4-byte) offsets, as HeapLayout has them.
  (func (export "init") (param $stride i32) (param $rec i32) (param $dim i32) (param $perRow i32) (param $q i32) (param $bu i32)
        (param $bi i32) (param $g i32) (param $pe i32) (param $grad i32) (param $gradItems i32) (param $tr i32)
    (global.set $S (i32.shl (local.get $stride) (i32.const 2)))
    (global.set $R (i32.shl (local.get $rec) (i32.const 2)))
    (global.set $ROW (local.get $perRow))
    (global.set $DIM (f32.convert_i32_u (local.get $dim)))
    (global.set $Q (i32.shl (local.get $q) (i32.const 2)))
    (global.set $BU (i32.shl (local.get $bu) (i32.const 2)))
    (global.set $BI (i32.shl (local.get $bi) (i32.const 2)))
    (global.set $G (i32.shl (local.get $g) (i32.const 2)))
    (global.set $PE (i32.shl (local.get $pe) (i32.const 2)))
    (global.set $GR (i32.shl (local.get $grad) (i32.const 2)))
    (global.set $GI (i32.shl (local.get $gradItems) (i32.const 2)))
    (global.set $TR (i32.shl (local.get $tr) (i32.const 2))))

  ;; dot(weights at byte $uo, weights at byte $io) + user bias + item bias + global bias.
  ;; Rows are a multiple of 64 bytes: 16 floats per iteration into four independent accumulators, so the
  ;; additions do not wait on each other.
  (func $predict (param $uo i32) (param $io i32) (param $u i32) (param $i i32) (result f32)
    (local $j i32) (local $a i32) (local $b i32) (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (loop $dot
      (local.set $a (i32.add (local.get $uo) (local.get $j)))
      (local.set $b (i32.add (local.get $io) (local.get $j)))
      (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
      (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
      (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b)))))
      (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b)))))
      (br_if $dot (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 64))) (global.get $S))))
    (local.set $acc0 (f32x4.add (f32x4.add (local.get $acc0) (local.get $acc1)) (f32x4.add (local.get $acc2) (local.get $acc3))))
    (f32.add
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0))))
      (f32.add
        (f32.add (f32.load (i32.add (global.get $BU) (i32.shl (local.get $u) (i32.const 4))))
                 (f32.load (i32.add (global.get $BI) (i32.shl (local.get $i) (i32.const 4)))))
        (f32.load (global.get $G)))))

  ;; The gradient rows of user u and item i: with $lazy, the scratch rows gradientTouched gave them (byte offsets kept
  ;; beside their stamps), else their own rows of the gradient region.
  (func $gradient (export "gradient") (param $start i32) (param $end i32) (param $scale f32) (param $reg f32) (result f64)
    (call $grad (local.get $start) (local.get $end) (local.get $scale) (local.get $reg) (i32.const 0)))

;; $lazy: 0 dense (own gradient rows), 1 lazy (scratch rows), 2 lazy with the rows a batch uses once updated here, right
  ;; after their one row's gradient is in (see "stepLazy"). Bit 0 of a scratch offset marks a row listed more than once.
  (func $grad (param $start i32) (param $end i32) (param $scale f32) (param $reg f32) (param $lazy i32) (result f64)
    (local $k i32) (local $u i32) (local $i i32) (local $uo i32) (local $io i32) (local $j i32) (local $gu i32) (local $gi i32)
    (local $e f32) (local $ess f32) (local $es v128) (local $sse f64) (local $gsum f32)
    (local $pu v128) (local $qi v128) (local $a i32) (local $vreg v128)
    (local $ua i32) (local $ia i32) (local $ga i32) (local $gb i32) (local $hasReg i32) (local $fuse i32) (local $rawu i32) (local $rawi i32)
    (local.set $fuse (i32.eq (local.get $lazy) (i32.const 2)))
    (if (i32.ge_s (local.get $start) (local.get $end)) (then (return (f64.const 0))))
    (local.set $vreg (f32x4.splat (local.get $reg)))
    (local.set $hasReg (f32.ne (local.get $reg) (f32.const 0)))
    (local.set $k (i32.add (global.get $TR) (i32.mul (local.get $start) (i32.const 12))))
    (local.set $end (i32.add (global.get $TR) (i32.mul (local.get $end) (i32.const 12))))
    (loop $rows
      (local.set $u (i32.load (local.get $k)))
      (local.set $i (i32.load offset=4 (local.get $k)))
      (local.set $uo (i32.mul (local.get $u) (global.get $R)))
      (local.set $io (i32.add (global.get $Q) (i32.mul (local.get $i) (global.get $R))))
      (local.set $rawu (select (i32.load offset=4 (i32.add (global.get $MU) (i32.shl (local.get $u) (i32.const 3))))
                               (i32.add (global.get $GR) (i32.mul (local.get $u) (global.get $S))) (local.get $lazy)))
      (local.set $rawi (select (i32.load offset=4 (i32.add (global.get $MI) (i32.shl (local.get $i) (i32.const 3))))
                               (i32.add (global.get $GI) (i32.mul (local.get $i) (global.get $S))) (local.get $lazy)))
      (local.set $gu (i32.and (local.get $rawu) (i32.const -2)))
      (local.set $gi (i32.and (local.get $rawi) (i32.const -2)))
      (local.set $e (f32.sub (call $predict (local.get $uo) (local.get $io) (local.get $u) (local.get $i))
                             (f32.load offset=8 (local.get $k))))
      (local.set $sse (f64.add (local.get $sse) (f64.promote_f32 (f32.mul (local.get $e) (local.get $e)))))
      (local.set $ess (f32.mul (local.get $e) (local.get $scale)))
      (local.set $es (f32x4.splat (local.get $ess)))
      (local.set $j (i32.const 0))
      ;; Without per-rating L2 the loop skips its multiply-adds: about 15% of the work.
      (if (i32.eqz (local.get $hasReg))
        (then
          (loop $upd0
            (local.set $ua (i32.add (local.get $uo) (local.get $j)))
            (local.set $ia (i32.add (local.get $io) (local.get $j)))
            (local.set $ga (i32.add (local.get $gu) (local.get $j)))
            (local.set $gb (i32.add (local.get $gi) (local.get $j)))
            (local.set $pu (v128.load (local.get $ua)))
            (local.set $qi (v128.load (local.get $ia)))
            (v128.store (local.get $ga) (f32x4.add (v128.load (local.get $ga))
              (f32x4.mul (local.get $es) (local.get $qi))))
            (v128.store (local.get $gb) (f32x4.add (v128.load (local.get $gb))
              (f32x4.mul (local.get $es) (local.get $pu))))
            (local.set $pu (v128.load offset=16 (local.get $ua)))
            (local.set $qi (v128.load offset=16 (local.get $ia)))
            (v128.store offset=16 (local.get $ga) (f32x4.add (v128.load offset=16 (local.get $ga))
              (f32x4.mul (local.get $es) (local.get $qi))))
            (v128.store offset=16 (local.get $gb) (f32x4.add (v128.load offset=16 (local.get $gb))
              (f32x4.mul (local.get $es) (local.get $pu))))
            (local.set $pu (v128.load offset=32 (local.get $ua)))
            (local.set $qi (v128.load offset=32 (local.get $ia)))
            (v128.store offset=32 (local.get $ga) (f32x4.add (v128.load offset=32 (local.get $ga))
              (f32x4.mul (local.get $es) (local.get $qi))))
            (v128.store offset=32 (local.get $gb) (f32x4.add (v128.load offset=32 (local.get $gb))
              (f32x4.mul (local.get $es) (local.get $pu))))
            (local.set $pu (v128.load offset=48 (local.get $ua)))
            (local.set $qi (v128.load offset=48 (local.get $ia)))
            (v128.store offset=48 (local.get $ga) (f32x4.add (v128.load offset=48 (local.get $ga))
              (f32x4.mul (local.get $es) (local.get $qi))))
            (v128.store offset=48 (local.get $gb) (f32x4.add (v128.load offset=48 (local.get $gb))
              (f32x4.mul (local.get $es) (local.get $pu))))
            (br_if $upd0 (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 64))) (global.get $S)))))
        (else
          (loop $upd
            (local.set $ua (i32.add (local.get $uo) (local.get $j)))
            (local.set $ia (i32.add (local.get $io) (local.get $j)))
            (local.set $ga (i32.add (local.get $gu) (local.get $j)))
            (local.set $gb (i32.add (local.get $gi) (local.get $j)))
            (local.set $pu (v128.load (local.get $ua)))
            (local.set $qi (v128.load (local.get $ia)))
            (v128.store (local.get $ga) (f32x4.add (v128.load (local.get $ga))
              (f32x4.add (f32x4.mul (local.get $es) (local.get $qi)) (f32x4.mul (local.get $vreg) (local.get $pu)))))
            (v128.store (local.get $gb) (f32x4.add (v128.load (local.get $gb))
              (f32x4.add (f32x4.mul (local.get $es) (local.get $pu)) (f32x4.mul (local.get $vreg) (local.get $qi)))))
            (local.set $pu (v128.load offset=16 (local.get $ua)))
            (local.set $qi (v128.load offset=16 (local.get $ia)))
            (v128.store offset=16 (local.get $ga) (f32x4.add (v128.load offset=16 (local.get $ga))
              (f32x4.add (f32x4.mul (local.get $es) (local.get $qi)) (f32x4.mul (local.get $vreg) (local.get $pu)))))
            (v128.store offset=16 (local.get $gb) (f32x4.add (v128.load offset=16 (local.get $gb))
              (f32x4.add (f32x4.mul (local.get $es) (local.get $pu)) (f32x4.mul (local.get $vreg) (local.get $qi)))))
            (local.set $pu (v128.load offset=32 (local.get $ua)))
            (local.set $qi (v128.load offset=32 (local.get $ia)))
            (v128.store offset=32 (local.get $ga) (f32x4.add (v128.load offset=32 (local.get $ga))
              (f32x4.add (f32x4.mul (local.get $es) (local.get $qi)) (f32x4.mul (local.get $vreg) (local.get $pu)))))
            (v128.store offset=32 (local.get $gb) (f32x4.add (v128.load offset=32 (local.get $gb))
              (f32x4.add (f32x4.mul (local.get $es) (local.get $pu)) (f32x4.mul (local.get $vreg) (local.get $qi)))))
            (local.set $pu (v128.load offset=48 (local.get $ua)))
            (local.set $qi (v128.load offset=48 (local.get $ia)))
            (v128.store offset=48 (local.get $ga) (f32x4.add (v128.load offset=48 (local.get $ga))
              (f32x4.add (f32x4.mul (local.get $es) (local.get $qi)) (f32x4.mul (local.get $vreg) (local.get $pu)))))
            (v128.store offset=48 (local.get $gb) (f32x4.add (v128.load offset=48 (local.get $gb))
              (f32x4.add (f32x4.mul (local.get $es) (local.get $pu)) (f32x4.mul (local.get $vreg) (local.get $qi)))))
            (br_if $upd (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 64))) (global.get $S))))))
      ;; The bias gradients: the second float of each bias quad.
      (local.set $a (i32.add (global.get $BU) (i32.shl (local.get $u) (i32.const 4))))
      (f32.store offset=4 (local.get $a) (f32.add (f32.load offset=4 (local.get $a)) (local.get $ess)))
      (local.set $a (i32.add (global.get $BI) (i32.shl (local.get $i) (i32.const 4))))
      (f32.store offset=4 (local.get $a) (f32.add (f32.load offset=4 (local.get $a)) (local.get $ess)))
      (local.set $gsum (f32.add (local.get $gsum) (local.get $ess)))
      ;; A row this batch uses once has its whole gradient now: its Adam step runs while its record is in the cache.
      ;; No other row of the batch reads it, so the result is the same, bit for bit, as stepping it after the batch.
      (if (local.get $fuse)
        (then
          (if (i32.eqz (i32.and (local.get $rawu) (i32.const 1)))
            (then
              (call $adamRow (local.get $uo) (local.get $gu))
              (call $adam1 (i32.add (global.get $BU) (i32.shl (local.get $u) (i32.const 4))))))
          (if (i32.eqz (i32.and (local.get $rawi) (i32.const 1)))
            (then
              (call $adamRow (local.get $io) (local.get $gi))
              (call $adam1 (i32.add (global.get $BI) (i32.shl (local.get $i) (i32.const 4))))))))
      (br_if $rows (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 12))) (local.get $end))))
    (f32.store offset=4 (global.get $G) (f32.add (f32.load offset=4 (global.get $G)) (local.get $gsum)))
    (local.get $sse))

  ;; The step's constants, set by "adam" and "adamLazy" for the helpers below.
  (global $b1 (mut f32) (f32.const 0))
  (global $b1c (mut f32) (f32.const 0))
  (global $b2 (mut f32) (f32.const 0))
  (global $b2c (mut f32) (f32.const 0))
  (global $l2 (mut f32) (f32.const 0))
  (global $c2 (mut f32) (f32.const 0))
  (global $eps (mut f32) (f32.const 0))
  (global $step (mut f32) (f32.const 0))
  ;; The same, splatted once per step for $adamRow.
  (global $Vb1 (mut v128) (v128.const i32x4 0 0 0 0))
  (global $Vb1c (mut v128) (v128.const i32x4 0 0 0 0))
  (global $Vb2 (mut v128) (v128.const i32x4 0 0 0 0))
  (global $Vb2c (mut v128) (v128.const i32x4 0 0 0 0))
  (global $Vl2 (mut v128) (v128.const i32x4 0 0 0 0))
  (global $Vc2 (mut v128) (v128.const i32x4 0 0 0 0))
  (global $Veps (mut v128) (v128.const i32x4 0 0 0 0))
  (global $Vstep (mut v128) (v128.const i32x4 0 0 0 0))

  (func $setAdam (param $lr f32) (param $b1 f32) (param $b2 f32) (param $eps f32) (param $c1 f32) (param $c2 f32) (param $l2 f32)
    (global.set $b1 (local.get $b1))
    (global.set $b1c (f32.sub (f32.const 1) (local.get $b1)))
    (global.set $b2 (local.get $b2))
    (global.set $b2c (f32.sub (f32.const 1) (local.get $b2)))
    (global.set $l2 (local.get $l2))
    (global.set $c2 (local.get $c2))
    (global.set $eps (local.get $eps))
    (global.set $step (f32.mul (local.get $lr) (local.get $c1)))
    (global.set $Vb1 (f32x4.splat (global.get $b1)))
    (global.set $Vb1c (f32x4.splat (global.get $b1c)))
    (global.set $Vb2 (f32x4.splat (global.get $b2)))
    (global.set $Vb2c (f32x4.splat (global.get $b2c)))
    (global.set $Vl2 (f32x4.splat (global.get $l2)))
    (global.set $Vc2 (f32x4.splat (global.get $c2)))
    (global.set $Veps (f32x4.splat (global.get $eps)))
    (global.set $Vstep (f32x4.splat (global.get $step))))

  ;; The Adam step on the factor record at byte $a (weights; m $S further, v 2·$S) with its gradient row at byte $ga,
  ;; 4 lanes at a time, the gradient row zeroed after:
  ;; g = grad + l2·w; m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g²; w −= (lr·c1)·m / (√(v·c2) + eps).
  (func $adamRow (param $a i32) (param $ga i32)
    (if (global.get $ROW) (then (call $adamRowPerRow (local.get $a) (local.get $ga)) (return)))
    (call $adamRowPerWeight (local.get $a) (local.get $ga)))

  (func $adamRowPerWeight (param $a i32) (param $ga i32)
    (local $end i32) (local $w v128) (local $g v128) (local $m v128) (local $v v128)
    (local $vb1 v128) (local $vb1c v128) (local $vb2 v128) (local $vb2c v128) (local $vl2 v128) (local $vc2 v128) (local $veps v128) (local $vstep v128)
    (local $ma i32) (local $va i32)
    (local.set $vb1 (global.get $Vb1))
    (local.set $vb1c (global.get $Vb1c))
    (local.set $vb2 (global.get $Vb2))
    (local.set $vb2c (global.get $Vb2c))
    (local.set $vl2 (global.get $Vl2))
    (local.set $vc2 (global.get $Vc2))
    (local.set $veps (global.get $Veps))
    (local.set $vstep (global.get $Vstep))
    (local.set $end (i32.add (local.get $a) (global.get $S)))
    (loop $span
      (local.set $ma (i32.add (local.get $a) (global.get $S)))
      (local.set $va (i32.add (local.get $ma) (global.get $S)))
      (local.set $w (v128.load (local.get $a)))
      (local.set $g (f32x4.add (v128.load (local.get $ga)) (f32x4.mul (local.get $vl2) (local.get $w))))
      (local.set $m (f32x4.add (f32x4.mul (local.get $vb1) (v128.load (local.get $ma))) (f32x4.mul (local.get $vb1c) (local.get $g))))
      (local.set $v (f32x4.add (f32x4.mul (local.get $vb2) (v128.load (local.get $va)))
                               (f32x4.mul (local.get $vb2c) (f32x4.mul (local.get $g) (local.get $g)))))
      (v128.store (local.get $ga) (v128.const i32x4 0 0 0 0))
      (v128.store (local.get $ma) (local.get $m))
      (v128.store (local.get $va) (local.get $v))
      (v128.store (local.get $a)
        (f32x4.sub (local.get $w)
          (f32x4.div (f32x4.mul (local.get $vstep) (local.get $m))
                     (f32x4.add (f32x4.sqrt (f32x4.mul (local.get $v) (local.get $vc2))) (local.get $veps)))))
      (local.set $ga (i32.add (local.get $ga) (i32.const 16)))
      (br_if $span (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 16))) (local.get $end)))))

;; The step with one second moment per row (FBGEMM's partial row-wise Adam for embedding tables): m per weight as
  ;; above; the row's v (the float at byte 2·$S of the record) from the mean over the row of g²; then every weight
  ;; moves by (lr·c1)/(√(v·c2) + eps) times its m. The gradient row zeroed after.
  ;; Σg² runs in 4 lane sums added (0 + 1) + (2 + 3), as adamRowPerRow in kernel-ops.ts.
  (func $adamRowPerRow (param $a i32) (param $ga i32)
    (local $end i32) (local $a0 i32) (local $w v128) (local $g v128) (local $m v128) (local $sq v128)
    (local $vb1 v128) (local $vb1c v128) (local $vl2 v128) (local $k v128) (local $v f32)
    (local.set $vb1 (global.get $Vb1))
    (local.set $vb1c (global.get $Vb1c))
    (local.set $vl2 (global.get $Vl2))
    (local.set $a0 (local.get $a))
    (local.set $end (i32.add (local.get $a) (global.get $S)))
    (loop $span
      (local.set $w (v128.load (local.get $a)))
      (local.set $g (f32x4.add (v128.load (local.get $ga)) (f32x4.mul (local.get $vl2) (local.get $w))))
      (local.set $m (f32x4.add (f32x4.mul (local.get $vb1) (v128.load (i32.add (local.get $a) (global.get $S))))
                               (f32x4.mul (local.get $vb1c) (local.get $g))))
      (local.set $sq (f32x4.add (local.get $sq) (f32x4.mul (local.get $g) (local.get $g))))
      (v128.store (local.get $ga) (v128.const i32x4 0 0 0 0))
      (v128.store (i32.add (local.get $a) (global.get $S)) (local.get $m))
      (local.set $ga (i32.add (local.get $ga) (i32.const 16)))
      (br_if $span (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 16))) (local.get $end))))
    ;; The row's v: 2·$S into the record.
    (local.set $end (i32.add (local.get $end) (global.get $S)))
    (local.set $v (f32.add (f32.mul (global.get $b2) (f32.load (local.get $end)))
      (f32.mul (global.get $b2c)
        (f32.div (f32.add (f32.add (f32x4.extract_lane 0 (local.get $sq)) (f32x4.extract_lane 1 (local.get $sq)))
                          (f32.add (f32x4.extract_lane 2 (local.get $sq)) (f32x4.extract_lane 3 (local.get $sq))))
                 (global.get $DIM)))))
    (f32.store (local.get $end) (local.get $v))
    (local.set $k (f32x4.splat (f32.div (global.get $step) (f32.add (f32.sqrt (f32.mul (local.get $v) (global.get $c2))) (global.get $eps)))))
    (local.set $a (local.get $a0))
    (local.set $end (i32.add (local.get $a) (global.get $S)))
    (loop $move
      (v128.store (local.get $a)
        (f32x4.sub (v128.load (local.get $a)) (f32x4.mul (local.get $k) (v128.load (i32.add (local.get $a) (global.get $S))))))
      (br_if $move (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 16))) (local.get $end)))))

  ;; The same step on the bias quad [w g m v] at byte $a, one float.
  (func $adam1 (param $a i32)
    (local $w f32) (local $g f32) (local $m f32) (local $v f32)
    (local.set $w (f32.load (local.get $a)))
    (local.set $g (f32.add (f32.load offset=4 (local.get $a)) (f32.mul (global.get $l2) (local.get $w))))
    (local.set $m (f32.add (f32.mul (global.get $b1) (f32.load offset=8 (local.get $a))) (f32.mul (global.get $b1c) (local.get $g))))
    (local.set $v (f32.add (f32.mul (global.get $b2) (f32.load offset=12 (local.get $a))) (f32.mul (global.get $b2c) (f32.mul (local.get $g) (local.get $g)))))
    (f32.store offset=4 (local.get $a) (f32.const 0))
    (f32.store offset=8 (local.get $a) (local.get $m))
    (f32.store offset=12 (local.get $a) (local.get $v))
    (f32.store (local.get $a)
      (f32.sub (local.get $w)
        (f32.div (f32.mul (global.get $step) (local.get $m))
                 (f32.add (f32.sqrt (f32.mul (local.get $v) (global.get $c2))) (global.get $eps))))))

  ;; Dense Adam: every factor record (row r's record at r·$R, its gradient row at $GR + r·$S: items follow users in
  ;; both), then every bias quad (the global bias's included).
  (func (export "adam") (param $lr f32) (param $b1 f32) (param $b2 f32) (param $eps f32)
        (param $c1 f32) (param $c2 f32) (param $l2 f32)
    (local $a i32) (local $ga i32)
    (call $setAdam (local.get $lr) (local.get $b1) (local.get $b2) (local.get $eps) (local.get $c1) (local.get $c2) (local.get $l2))
    (local.set $ga (global.get $GR))
    (block $drows
      (loop $rows
        (br_if $drows (i32.ge_u (local.get $a) (global.get $BU)))
        (call $adamRow (local.get $a) (local.get $ga))
        (local.set $a (i32.add (local.get $a) (global.get $R)))
        (local.set $ga (i32.add (local.get $ga) (global.get $S)))
        (br $rows)))
    (loop $quads
      (call $adam1 (local.get $a))
      (br_if $quads (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 16))) (global.get $PE)))))

  ;; Lazy (sparse) Adam: see adamLazy in src/model/kernel-ops.ts. Offsets of the touched-rows bookkeeping.
  (global $MU (mut i32) (i32.const 0))  ;; byte offsets: [stamp, scratch row] per user / per item, touched lists, counts
  (global $MI (mut i32) (i32.const 0))
  (global $LU (mut i32) (i32.const 0))
  (global $LI (mut i32) (i32.const 0))
  (global $CN (mut i32) (i32.const 0))

  ;; Reads one word of each 64-byte line of the factor record at byte $a, so that the record's lines are on
  ;; their way into the cache, many at once, before the gradient and Adam passes need them.
  (global $sinkG (mut i32) (i32.const 0))
  (global $TOUCH (mut i32) (i32.const 0))   ;; 1: touch records ahead (tables larger than the cache); set by initLazy
  (func $touch (param $a i32) (result i32)
    (local $e i32) (local $s i32)
    (local.set $e (i32.add (local.get $a) (global.get $R)))
    (loop $lines
      (local.set $s (i32.add (local.get $s) (i32.load (local.get $a))))
      (br_if $lines (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 64))) (local.get $e))))
    (local.get $s))

  (func (export "initLazy") (param $mu i32) (param $mi i32) (param $lu i32) (param $li i32) (param $cn i32) (param $touchAhead i32)
    (global.set $TOUCH (local.get $touchAhead))
    (global.set $MU (i32.shl (local.get $mu) (i32.const 2)))
    (global.set $MI (i32.shl (local.get $mi) (i32.const 2)))
    (global.set $LU (i32.shl (local.get $lu) (i32.const 2)))
    (global.set $LI (i32.shl (local.get $li) (i32.const 2)))
    (global.set $CN (i32.shl (local.get $cn) (i32.const 2))))

  ;; Lists the users and items of training rows [start, end) once each (stamp marks the ones already listed) and gives
  ;; the t-th listed user the scratch gradient row $GR + t·$S (the t-th item $GI + t·$S), then accumulates the
  ;; gradient into those rows as "gradient" does into the rows' own.
  (func (export "gradientTouched") (param $start i32) (param $end i32) (param $scale f32) (param $reg f32) (param $stamp i32) (result f64)
    (call $list (local.get $start) (local.get $end) (local.get $stamp))
    (call $grad (local.get $start) (local.get $end) (local.get $scale) (local.get $reg) (i32.const 1)))

  ;; The listing of "gradientTouched"; a row met again in the batch gets bit 0 of its scratch offset set.
  (func $list (param $start i32) (param $end i32) (param $stamp i32)
    (local $k i32) (local $e i32) (local $a i32) (local $nu i32) (local $ni i32) (local $x i32) (local $sink i32)
    (local.set $nu (i32.load (global.get $CN)))
    (local.set $ni (i32.load offset=4 (global.get $CN)))
    (local.set $k (i32.add (global.get $TR) (i32.mul (local.get $start) (i32.const 12))))
    (local.set $e (i32.add (global.get $TR) (i32.mul (local.get $end) (i32.const 12))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $k) (local.get $e)))
        (local.set $x (i32.load (local.get $k)))
        (local.set $a (i32.add (global.get $MU) (i32.shl (local.get $x) (i32.const 3))))
        (if (i32.eq (i32.load (local.get $a)) (local.get $stamp))
          (then (i32.store offset=4 (local.get $a) (i32.or (i32.load offset=4 (local.get $a)) (i32.const 1))))
          (else
            (i32.store (local.get $a) (local.get $stamp))
            (i32.store offset=4 (local.get $a) (i32.add (global.get $GR) (i32.mul (local.get $nu) (global.get $S))))
            (i32.store (i32.add (global.get $LU) (i32.shl (local.get $nu) (i32.const 2))) (local.get $x))
            (if (global.get $TOUCH) (then (local.set $sink (i32.add (local.get $sink) (call $touch (i32.mul (local.get $x) (global.get $R)))))))
            (local.set $nu (i32.add (local.get $nu) (i32.const 1)))))
        (local.set $x (i32.load offset=4 (local.get $k)))
        (local.set $a (i32.add (global.get $MI) (i32.shl (local.get $x) (i32.const 3))))
        (if (i32.eq (i32.load (local.get $a)) (local.get $stamp))
          (then (i32.store offset=4 (local.get $a) (i32.or (i32.load offset=4 (local.get $a)) (i32.const 1))))
          (else
            (i32.store (local.get $a) (local.get $stamp))
            (i32.store offset=4 (local.get $a) (i32.add (global.get $GI) (i32.mul (local.get $ni) (global.get $S))))
            (i32.store (i32.add (global.get $LI) (i32.shl (local.get $ni) (i32.const 2))) (local.get $x))
            (if (global.get $TOUCH) (then (local.set $sink (i32.add (local.get $sink) (call $touch (i32.add (global.get $Q) (i32.mul (local.get $x) (global.get $R))))))))
            (local.set $ni (i32.add (local.get $ni) (i32.const 1)))))
        (local.set $k (i32.add (local.get $k) (i32.const 12)))
        (br $rows)))
    (i32.store (global.get $CN) (local.get $nu))
    (i32.store offset=4 (global.get $CN) (local.get $ni))
    (global.set $sinkG (local.get $sink)))

  ;; Adam on the touched rows only: each listed user's record (with its scratch gradient row) and bias quad, each listed
  ;; item's, then the global bias (or only its gradient cleared); the same arithmetic as "adam", lane for lane.
  (func (export "adamLazy") (param $lr f32) (param $b1 f32) (param $b2 f32) (param $eps f32)
        (param $c1 f32) (param $c2 f32) (param $l2 f32) (param $learnGlobal i32)
    (call $setAdam (local.get $lr) (local.get $b1) (local.get $b2) (local.get $eps) (local.get $c1) (local.get $c2) (local.get $l2))
    (call $adamListed (local.get $learnGlobal) (i32.const 0)))

  ;; One whole lazy step, gradientTouched then adamLazy with the same result bit for bit, but each row the batch uses
  ;; once is stepped in the gradient pass, while its record is in the cache (at 5M-20M ratings nearly every user row
  ;; and most item rows); the rest after the batch. Returns Σ e².
  (func (export "stepLazy") (param $start i32) (param $end i32) (param $scale f32) (param $reg f32) (param $stamp i32)
        (param $lr f32) (param $b1 f32) (param $b2 f32) (param $eps f32) (param $c1 f32) (param $c2 f32) (param $l2 f32)
        (param $learnGlobal i32) (result f64)
    (local $sse f64)
    (call $setAdam (local.get $lr) (local.get $b1) (local.get $b2) (local.get $eps) (local.get $c1) (local.get $c2) (local.get $l2))
    (call $list (local.get $start) (local.get $end) (local.get $stamp))
    (local.set $sse (call $grad (local.get $start) (local.get $end) (local.get $scale) (local.get $reg) (i32.const 2)))
    (call $adamListed (local.get $learnGlobal) (i32.const 1))
    (local.get $sse))

  ;; Adam on the listed rows ($skipOnce: only those listed more than once, bit 0 of their scratch offset), the global bias.
  (func $adamListed (param $learnGlobal i32) (param $skipOnce i32)
    (local $t i32) (local $n i32) (local $x i32) (local $ga i32)
    (local.set $n (i32.add (global.get $LU) (i32.shl (i32.load offset=0 (global.get $CN)) (i32.const 2))))
    (local.set $t (global.get $LU))
    (local.set $ga (global.get $GR))
    (block $dusers
      (loop $users
        (br_if $dusers (i32.ge_u (local.get $t) (local.get $n)))
        (local.set $x (i32.load (local.get $t)))
        (if (i32.or (i32.eqz (local.get $skipOnce)) (i32.and (i32.load offset=4 (i32.add (global.get $MU) (i32.shl (local.get $x) (i32.const 3)))) (i32.const 1)))
          (then
            (call $adamRow (i32.mul (local.get $x) (global.get $R)) (local.get $ga))
            (call $adam1 (i32.add (global.get $BU) (i32.shl (local.get $x) (i32.const 4))))))
        (local.set $t (i32.add (local.get $t) (i32.const 4)))
        (local.set $ga (i32.add (local.get $ga) (global.get $S)))
        (br $users)))
    (local.set $n (i32.add (global.get $LI) (i32.shl (i32.load offset=4 (global.get $CN)) (i32.const 2))))
    (local.set $t (global.get $LI))
    (local.set $ga (global.get $GI))
    (block $ditems
      (loop $items
        (br_if $ditems (i32.ge_u (local.get $t) (local.get $n)))
        (local.set $x (i32.load (local.get $t)))
        (if (i32.or (i32.eqz (local.get $skipOnce)) (i32.and (i32.load offset=4 (i32.add (global.get $MI) (i32.shl (local.get $x) (i32.const 3)))) (i32.const 1)))
          (then
            (call $adamRow (i32.add (global.get $Q) (i32.mul (local.get $x) (global.get $R))) (local.get $ga))
            (call $adam1 (i32.add (global.get $BI) (i32.shl (local.get $x) (i32.const 4))))))
        (local.set $t (i32.add (local.get $t) (i32.const 4)))
        (local.set $ga (i32.add (local.get $ga) (global.get $S)))
        (br $items)))
    (if (local.get $learnGlobal)
      (then (call $adam1 (global.get $G)))
      (else (f32.store offset=4 (global.get $G) (f32.const 0))))
    (i32.store (global.get $CN) (i32.const 0))
    (i32.store offset=4 (global.get $CN) (i32.const 0)))

  ;; w −= lr·(g + l2·w) for every parameter, gradients zeroed after.
  (func (export "sgdStep") (param $lr f32) (param $l2 f32)
    (local $a i32) (local $end i32) (local $ga i32) (local $w v128) (local $vlr v128) (local $vl2 v128)
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $vl2 (f32x4.splat (local.get $l2)))
    (local.set $ga (global.get $GR))
    (block $drows
      (loop $rows
        (br_if $drows (i32.ge_u (local.get $a) (global.get $BU)))
        (local.set $end (i32.add (local.get $a) (global.get $S)))
        (loop $span
          (local.set $w (v128.load (local.get $a)))
          (v128.store (local.get $a)
            (f32x4.sub (local.get $w)
              (f32x4.mul (local.get $vlr) (f32x4.add (v128.load (local.get $ga)) (f32x4.mul (local.get $vl2) (local.get $w))))))
          (v128.store (local.get $ga) (v128.const i32x4 0 0 0 0))
          (local.set $ga (i32.add (local.get $ga) (i32.const 16)))
          (br_if $span (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 16))) (local.get $end))))
        ;; $a is now the record's m part: the next record starts $R − $S on.
        (local.set $a (i32.add (local.get $a) (i32.sub (global.get $R) (global.get $S))))
        (br $rows)))
    (loop $quads
      (f32.store (local.get $a)
        (f32.sub (f32.load (local.get $a))
          (f32.mul (local.get $lr) (f32.add (f32.load offset=4 (local.get $a)) (f32.mul (local.get $l2) (f32.load (local.get $a)))))))
      (f32.store offset=4 (local.get $a) (f32.const 0))
      (br_if $quads (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 16))) (global.get $PE)))))

  (func (export "sgdPass") (param $start i32) (param $end i32) (param $lr f32) (param $l2 f32) (result f64)
    (local $k i32) (local $u i32) (local $i i32) (local $uo i32) (local $io i32) (local $j i32)
    (local $e f32) (local $sse f64) (local $a i32) (local $pu v128) (local $qi v128)
    (local $vle v128) (local $vdecay v128) (local $ua i32) (local $ia i32)
    (if (i32.ge_s (local.get $start) (local.get $end)) (then (return (f64.const 0))))
    ;; p + lr(e·q − l2·p) = (1 − lr·l2)·p + (lr·e)·q
    (local.set $vdecay (f32x4.splat (f32.sub (f32.const 1) (f32.mul (local.get $lr) (local.get $l2)))))
    (local.set $k (i32.add (global.get $TR) (i32.mul (local.get $start) (i32.const 12))))
    (local.set $end (i32.add (global.get $TR) (i32.mul (local.get $end) (i32.const 12))))
    (loop $rows
      (local.set $u (i32.load (local.get $k)))
      (local.set $i (i32.load offset=4 (local.get $k)))
      (local.set $uo (i32.mul (local.get $u) (global.get $R)))
      (local.set $io (i32.add (global.get $Q) (i32.mul (local.get $i) (global.get $R))))
      (local.set $e (f32.sub (f32.load offset=8 (local.get $k))
                             (call $predict (local.get $uo) (local.get $io) (local.get $u) (local.get $i))))
      (local.set $sse (f64.add (local.get $sse) (f64.promote_f32 (f32.mul (local.get $e) (local.get $e)))))
      (local.set $a (i32.add (global.get $BU) (i32.shl (local.get $u) (i32.const 4))))
      (f32.store (local.get $a) (f32.add (f32.load (local.get $a))
        (f32.mul (local.get $lr) (f32.sub (local.get $e) (f32.mul (local.get $l2) (f32.load (local.get $a)))))))
      (local.set $a (i32.add (global.get $BI) (i32.shl (local.get $i) (i32.const 4))))
      (f32.store (local.get $a) (f32.add (f32.load (local.get $a))
        (f32.mul (local.get $lr) (f32.sub (local.get $e) (f32.mul (local.get $l2) (f32.load (local.get $a)))))))
      (local.set $vle (f32x4.splat (f32.mul (local.get $lr) (local.get $e))))
      (local.set $j (i32.const 0))
      (loop $upd
        (local.set $ua (i32.add (local.get $uo) (local.get $j)))
        (local.set $ia (i32.add (local.get $io) (local.get $j)))
        (local.set $pu (v128.load (local.get $ua)))
        (local.set $qi (v128.load (local.get $ia)))
        (v128.store (local.get $ua) (f32x4.add (f32x4.mul (local.get $vdecay) (local.get $pu)) (f32x4.mul (local.get $vle) (local.get $qi))))
        (v128.store (local.get $ia) (f32x4.add (f32x4.mul (local.get $vdecay) (local.get $qi)) (f32x4.mul (local.get $vle) (local.get $pu))))
        (local.set $pu (v128.load offset=16 (local.get $ua)))
        (local.set $qi (v128.load offset=16 (local.get $ia)))
        (v128.store offset=16 (local.get $ua) (f32x4.add (f32x4.mul (local.get $vdecay) (local.get $pu)) (f32x4.mul (local.get $vle) (local.get $qi))))
        (v128.store offset=16 (local.get $ia) (f32x4.add (f32x4.mul (local.get $vdecay) (local.get $qi)) (f32x4.mul (local.get $vle) (local.get $pu))))
        (local.set $pu (v128.load offset=32 (local.get $ua)))
        (local.set $qi (v128.load offset=32 (local.get $ia)))
        (v128.store offset=32 (local.get $ua) (f32x4.add (f32x4.mul (local.get $vdecay) (local.get $pu)) (f32x4.mul (local.get $vle) (local.get $qi))))
        (v128.store offset=32 (local.get $ia) (f32x4.add (f32x4.mul (local.get $vdecay) (local.get $qi)) (f32x4.mul (local.get $vle) (local.get $pu))))
        (local.set $pu (v128.load offset=48 (local.get $ua)))
        (local.set $qi (v128.load offset=48 (local.get $ia)))
        (v128.store offset=48 (local.get $ua) (f32x4.add (f32x4.mul (local.get $vdecay) (local.get $pu)) (f32x4.mul (local.get $vle) (local.get $qi))))
        (v128.store offset=48 (local.get $ia) (f32x4.add (f32x4.mul (local.get $vdecay) (local.get $qi)) (f32x4.mul (local.get $vle) (local.get $pu))))
        (br_if $upd (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 64))) (global.get $S))))
      (br_if $rows (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 12))) (local.get $end))))
    (local.get $sse))

  ;; Σ e² and Σ |e| over n rows whose users, items and ratings start at the given element offsets.
  (func (export "errors") (param $users i32) (param $items i32) (param $ratings i32) (param $n i32) (result f64 f64)
    (local $k i32) (local $end i32) (local $u i32) (local $i i32) (local $e f64) (local $se f64) (local $ae f64)
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (f64.const 0) (f64.const 0))))
    (local.set $users (i32.shl (local.get $users) (i32.const 2)))
    (local.set $items (i32.shl (local.get $items) (i32.const 2)))
    (local.set $ratings (i32.shl (local.get $ratings) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (loop $rows
      (local.set $u (i32.load (i32.add (local.get $users) (local.get $k))))
      (local.set $i (i32.load (i32.add (local.get $items) (local.get $k))))
      (local.set $e (f64.promote_f32 (f32.sub
        (call $predict (i32.mul (local.get $u) (global.get $R)) (i32.add (global.get $Q) (i32.mul (local.get $i) (global.get $R)))
                       (local.get $u) (local.get $i))
        (f32.load (i32.add (local.get $ratings) (local.get $k))))))
      (local.set $se (f64.add (local.get $se) (f64.mul (local.get $e) (local.get $e))))
      (local.set $ae (f64.add (local.get $ae) (f64.abs (local.get $e))))
      (br_if $rows (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 4))) (local.get $end))))
    (local.get $se) (local.get $ae))

  ;; Fisher-Yates over the training records, the swaps of shuffleTogether in src/model/shuffle.ts:
  ;; xorshift32 from $seed, j = (draw · (k + 1)) >> 32; one 12-byte record moved per swap.
  (func (export "shuffle") (param $seed i32) (param $n i32)
    (local $s i32) (local $k i32) (local $ka i32) (local $ja i32) (local $t i64) (local $t2 i32)
    (local.set $s (select (local.get $seed) (i32.const 0x9e3779b9) (local.get $seed)))
    (local.set $k (i32.sub (local.get $n) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.le_s (local.get $k) (i32.const 0)))
        (local.set $s (i32.xor (local.get $s) (i32.shl (local.get $s) (i32.const 13))))
        (local.set $s (i32.xor (local.get $s) (i32.shr_u (local.get $s) (i32.const 17))))
        (local.set $s (i32.xor (local.get $s) (i32.shl (local.get $s) (i32.const 5))))
        (local.set $ja (i32.add (global.get $TR) (i32.mul (i32.const 12)
          (i32.wrap_i64 (i64.shr_u (i64.mul (i64.extend_i32_u (local.get $s)) (i64.extend_i32_u (i32.add (local.get $k) (i32.const 1)))) (i64.const 32))))))
        (local.set $ka (i32.add (global.get $TR) (i32.mul (local.get $k) (i32.const 12))))
        ;; (user, item) as one 64-bit word, the rating as raw 32 bits.
        (local.set $t (i64.load (local.get $ka)))
        (i64.store (local.get $ka) (i64.load (local.get $ja)))
        (i64.store (local.get $ja) (local.get $t))
        (local.set $t2 (i32.load offset=8 (local.get $ka)))
        (i32.store offset=8 (local.get $ka) (i32.load offset=8 (local.get $ja)))
        (i32.store offset=8 (local.get $ja) (local.get $t2))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next))))
)
