;; Dense-layer training kernels for the tfjs-wasm backend (src/model/tfjs-wasm-kernels.ts registers them as TF.js
;; kernels). The module imports tfjs-wasm's own memory, so every address below is a tensor's memoryOffset (or a scratch
;; block tfjs-wasm's malloc handed out): no copies in or out. All arithmetic is IEEE float32 (no fused multiply-add),
;; so results do not depend on the machine. Assembled by scripts/assemble-kernels.ts (npm run kernel:assemble).
(module
  (import "env" "memory" (memory 0))

  ;; C = act(op(A)·op(B) + bias) in one call. A[m,k] at a + m·sAm + k·sAk, B[k,n] at b + k·sBk + n·sBn (byte strides:
  ;; transposes are other strides), C row-major [M, N] at c. bias: 0 (none) or N floats (biasN = N) or one float
  ;; (biasN = 1). scratch: ceil(N/8)·(32K + 32) + 16K bytes (16-byte aligned): B packed into 8-column panels
  ;; (zero-padded), the padded bias, and one packed block of 4 rows of A. Each C element is Σ_k in order from 0,
  ;; then + bias, then ReLU: the same operations, in the same order, as gemm_panel.
  (func (export "gemm")
    (param $a i32) (param $sAm i32) (param $sAk i32) (param $b i32) (param $sBk i32) (param $sBn i32)
    (param $c i32) (param $M i32) (param $K i32) (param $N i32) (param $bias i32) (param $biasN i32) (param $relu i32)
    (param $scratch i32)
    (local $np i32) (local $p i32) (local $k i32) (local $j i32) (local $q i32) (local $src i32) (local $ncols i32)
    (local $bpack i32) (local $bbias i32) (local $apack i32) (local $m i32) (local $mrows i32) (local $r i32)
    (local $pa i32) (local $pb i32) (local $pend i32) (local $pc i32) (local $sCm i32)
    (local $pa0 i32) (local $pa1 i32) (local $pa2 i32) (local $pa3 i32) (local $sa i32) (local $pbend i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128) (local $bias0 v128) (local $bias1 v128) (local $zero v128)
    (if (i32.eq (local.get $N) (i32.const 1)) (then
      (call $gemv (local.get $a) (local.get $sAm) (local.get $sAk) (local.get $b) (local.get $sBk) (local.get $c) (local.get $M) (local.get $K)
        (local.get $bias) (local.get $relu))
      (return)))
    (local.set $np (i32.shr_u (i32.add (local.get $N) (i32.const 7)) (i32.const 3)))
    (local.set $bpack (local.get $scratch))
    (local.set $bbias (i32.add (local.get $bpack) (i32.mul (local.get $np) (i32.shl (local.get $K) (i32.const 5)))))
    (local.set $apack (i32.add (local.get $bbias) (i32.shl (local.get $np) (i32.const 5))))
    (local.set $sCm (i32.shl (local.get $N) (i32.const 2)))
    ;; Pack B: panel p, row k at bpack + p·32K + 32k.
    (local.set $p (i32.const 0))
    (block $pd (loop $pl
      (br_if $pd (i32.ge_u (local.get $p) (local.get $np)))
      (local.set $ncols (i32.sub (local.get $N) (i32.shl (local.get $p) (i32.const 3))))
      (if (i32.gt_u (local.get $ncols) (i32.const 8)) (then (local.set $ncols (i32.const 8))))
      (local.set $q (i32.add (local.get $bpack) (i32.mul (local.get $p) (i32.shl (local.get $K) (i32.const 5)))))
      (local.set $src (i32.add (local.get $b) (i32.mul (i32.shl (local.get $p) (i32.const 3)) (local.get $sBn))))
      (if (i32.and (i32.eq (local.get $ncols) (i32.const 8)) (i32.eq (local.get $sBn) (i32.const 4)))
        (then
          (local.set $k (local.get $K))
          (block $kd (loop $kl
            (br_if $kd (i32.eqz (local.get $k)))
            (v128.store (local.get $q) (v128.load (local.get $src)))
            (v128.store offset=16 (local.get $q) (v128.load offset=16 (local.get $src)))
            (local.set $q (i32.add (local.get $q) (i32.const 32)))
            (local.set $src (i32.add (local.get $src) (local.get $sBk)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $kl))))
        (else
          (local.set $k (local.get $K))
          (block $kd2 (loop $kl2
            (br_if $kd2 (i32.eqz (local.get $k)))
            (v128.store (local.get $q) (local.get $zero))
            (v128.store offset=16 (local.get $q) (local.get $zero))
            (local.set $j (i32.const 0))
            (block $jd (loop $jl
              (br_if $jd (i32.ge_u (local.get $j) (local.get $ncols)))
              (f32.store (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2)))
                (f32.load (i32.add (local.get $src) (i32.mul (local.get $j) (local.get $sBn)))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $jl)))
            (local.set $q (i32.add (local.get $q) (i32.const 32)))
            (local.set $src (i32.add (local.get $src) (local.get $sBk)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $kl2)))))
      ;; The panel's bias, zero-padded.
      (local.set $q (i32.add (local.get $bbias) (i32.shl (local.get $p) (i32.const 5))))
      (v128.store (local.get $q) (local.get $zero))
      (v128.store offset=16 (local.get $q) (local.get $zero))
      (if (local.get $bias) (then
        (local.set $j (i32.const 0))
        (block $bd (loop $bl
          (br_if $bd (i32.ge_u (local.get $j) (local.get $ncols)))
          (f32.store (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2)))
            (f32.load (i32.add (local.get $bias)
              (select (i32.const 0) (i32.shl (i32.add (i32.shl (local.get $p) (i32.const 3)) (local.get $j)) (i32.const 2))
                (i32.eq (local.get $biasN) (i32.const 1))))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $bl)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $pl)))
    ;; Row blocks of 4 (the last one zero-padded).
    (local.set $m (i32.const 0))
    (block $md (loop $ml
      (br_if $md (i32.ge_u (local.get $m) (local.get $M)))
      (local.set $mrows (i32.sub (local.get $M) (local.get $m)))
      (if (i32.gt_u (local.get $mrows) (i32.const 4)) (then (local.set $mrows (i32.const 4))))
      ;; Rows of A contiguous in k (A not transposed): read in place, 4 row pointers (a missing row repeats row m; it is
      ;; not stored). Otherwise pack rows m..m+3 so that apack + 16k holds A[m..m+3, k] (zeros for missing rows).
      (local.set $src (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $sAm))))
      (if (i32.eq (local.get $sAk) (i32.const 4))
        (then
          (local.set $sa (i32.const 4))
          (local.set $pa0 (local.get $src))
          (local.set $pa1 (select (i32.add (local.get $src) (local.get $sAm)) (local.get $src) (i32.gt_u (local.get $mrows) (i32.const 1))))
          (local.set $pa2 (select (i32.add (local.get $src) (i32.shl (local.get $sAm) (i32.const 1))) (local.get $src) (i32.gt_u (local.get $mrows) (i32.const 2))))
          (local.set $pa3 (select (i32.add (local.get $src) (i32.mul (local.get $sAm) (i32.const 3))) (local.get $src) (i32.gt_u (local.get $mrows) (i32.const 3)))))
        (else
          (local.set $sa (i32.const 16))
          (local.set $pa0 (local.get $apack))
          (local.set $pa1 (i32.add (local.get $apack) (i32.const 4)))
          (local.set $pa2 (i32.add (local.get $apack) (i32.const 8)))
          (local.set $pa3 (i32.add (local.get $apack) (i32.const 12)))
      (local.set $q (local.get $apack))
      (local.set $pend (i32.add (local.get $apack) (i32.shl (local.get $K) (i32.const 4))))
      (if (i32.and (i32.eq (local.get $mrows) (i32.const 4)) (i32.eq (local.get $sAm) (i32.const 4)))
        (then
          (block $ad (loop $al
            (br_if $ad (i32.ge_u (local.get $q) (local.get $pend)))
            (v128.store (local.get $q) (v128.load (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $sAk)))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (br $al))))
        (else (if (i32.eq (local.get $mrows) (i32.const 4))
          (then
            (local.set $pa (i32.shl (local.get $sAm) (i32.const 1)))
            (block $ad2 (loop $al2
              (br_if $ad2 (i32.ge_u (local.get $q) (local.get $pend)))
              (f32.store (local.get $q) (f32.load (local.get $src)))
              (f32.store offset=4 (local.get $q) (f32.load (i32.add (local.get $src) (local.get $sAm))))
              (f32.store offset=8 (local.get $q) (f32.load (i32.add (local.get $src) (local.get $pa))))
              (f32.store offset=12 (local.get $q) (f32.load (i32.add (i32.add (local.get $src) (local.get $pa)) (local.get $sAm))))
              (local.set $src (i32.add (local.get $src) (local.get $sAk)))
              (local.set $q (i32.add (local.get $q) (i32.const 16)))
              (br $al2))))
          (else
            (block $ad3 (loop $al3
              (br_if $ad3 (i32.ge_u (local.get $q) (local.get $pend)))
              (v128.store (local.get $q) (local.get $zero))
              (local.set $r (i32.const 0))
              (block $rd (loop $rl
                (br_if $rd (i32.ge_u (local.get $r) (local.get $mrows)))
                (f32.store (i32.add (local.get $q) (i32.shl (local.get $r) (i32.const 2)))
                  (f32.load (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $sAm)))))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $rl)))
              (local.set $src (i32.add (local.get $src) (local.get $sAk)))
              (local.set $q (i32.add (local.get $q) (i32.const 16)))
              (br $al3)))))))))
      (local.set $p (i32.const 0))
      (block $pd2 (loop $pl2
        (br_if $pd2 (i32.ge_u (local.get $p) (local.get $np)))
        (local.set $pa (local.get $pa0)) (local.set $q (local.get $pa1)) (local.set $r (local.get $pa2)) (local.set $src (local.get $pa3))
        (local.set $pb (i32.add (local.get $bpack) (i32.mul (local.get $p) (i32.shl (local.get $K) (i32.const 5)))))
        (local.set $pbend (i32.add (local.get $pb) (i32.shl (local.get $K) (i32.const 5))))
        (local.set $c00 (local.get $zero)) (local.set $c01 (local.get $zero))
        (local.set $c10 (local.get $zero)) (local.set $c11 (local.get $zero))
        (local.set $c20 (local.get $zero)) (local.set $c21 (local.get $zero))
        (local.set $c30 (local.get $zero)) (local.set $c31 (local.get $zero))
        (block $kd3 (loop $kl3
          (br_if $kd3 (i32.ge_u (local.get $pb) (local.get $pbend)))
          (local.set $b0 (v128.load (local.get $pb)))
          (local.set $b1 (v128.load offset=16 (local.get $pb)))
          (local.set $x (v128.load32_splat (local.get $pa)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat (local.get $q)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat (local.get $r)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat (local.get $src)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $pa (i32.add (local.get $pa) (local.get $sa)))
          (local.set $q (i32.add (local.get $q) (local.get $sa)))
          (local.set $r (i32.add (local.get $r) (local.get $sa)))
          (local.set $src (i32.add (local.get $src) (local.get $sa)))
          (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
          (br $kl3)))
        (if (local.get $bias) (then
          (local.set $q (i32.add (local.get $bbias) (i32.shl (local.get $p) (i32.const 5))))
          (local.set $bias0 (v128.load (local.get $q)))
          (local.set $bias1 (v128.load offset=16 (local.get $q)))
          (local.set $c00 (f32x4.add (local.get $c00) (local.get $bias0))) (local.set $c01 (f32x4.add (local.get $c01) (local.get $bias1)))
          (local.set $c10 (f32x4.add (local.get $c10) (local.get $bias0))) (local.set $c11 (f32x4.add (local.get $c11) (local.get $bias1)))
          (local.set $c20 (f32x4.add (local.get $c20) (local.get $bias0))) (local.set $c21 (f32x4.add (local.get $c21) (local.get $bias1)))
          (local.set $c30 (f32x4.add (local.get $c30) (local.get $bias0))) (local.set $c31 (f32x4.add (local.get $c31) (local.get $bias1)))))
        (if (local.get $relu) (then
          (local.set $c00 (f32x4.pmax (local.get $c00) (local.get $zero))) (local.set $c01 (f32x4.pmax (local.get $c01) (local.get $zero)))
          (local.set $c10 (f32x4.pmax (local.get $c10) (local.get $zero))) (local.set $c11 (f32x4.pmax (local.get $c11) (local.get $zero)))
          (local.set $c20 (f32x4.pmax (local.get $c20) (local.get $zero))) (local.set $c21 (f32x4.pmax (local.get $c21) (local.get $zero)))
          (local.set $c30 (f32x4.pmax (local.get $c30) (local.get $zero))) (local.set $c31 (f32x4.pmax (local.get $c31) (local.get $zero)))))
        (local.set $ncols (i32.sub (local.get $N) (i32.shl (local.get $p) (i32.const 3))))
        (if (i32.gt_u (local.get $ncols) (i32.const 8)) (then (local.set $ncols (i32.const 8))))
        (local.set $pc (i32.add (local.get $c) (i32.add (i32.mul (local.get $m) (local.get $sCm)) (i32.shl (local.get $p) (i32.const 5)))))
        (call $store8 (local.get $pc) (local.get $c00) (local.get $c01) (local.get $ncols))
        (if (i32.gt_u (local.get $mrows) (i32.const 1)) (then
          (local.set $pc (i32.add (local.get $pc) (local.get $sCm)))
          (call $store8 (local.get $pc) (local.get $c10) (local.get $c11) (local.get $ncols))
          (if (i32.gt_u (local.get $mrows) (i32.const 2)) (then
            (local.set $pc (i32.add (local.get $pc) (local.get $sCm)))
            (call $store8 (local.get $pc) (local.get $c20) (local.get $c21) (local.get $ncols))
            (if (i32.gt_u (local.get $mrows) (i32.const 3)) (then
              (local.set $pc (i32.add (local.get $pc) (local.get $sCm)))
              (call $store8 (local.get $pc) (local.get $c30) (local.get $c31) (local.get $ncols))))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pl2)))
      (local.set $m (i32.add (local.get $m) (i32.const 4)))
      (br $ml))))

  ;; gemm's one-column case (a dense layer of one unit and its kernel's gradient): c[m] = act(Σ_k A[m,k]·b[k] + bias[0]),
  ;; 4 rows per vector, k in order from 0 (the same sums as the panels). Rows of A contiguous in m (a transposed A)
  ;; load 4 at once; otherwise the 4 values are gathered. The last M mod 4 rows go one at a time.
  (func $gemv (param $a i32) (param $sAm i32) (param $sAk i32) (param $b i32) (param $sBk i32) (param $c i32) (param $M i32)
    (param $K i32) (param $bias i32) (param $relu i32)
    (local $m i32) (local $k i32) (local $pa i32) (local $pb i32) (local $acc v128) (local $x v128) (local $s f32) (local $sAm2 i32) (local $sAm3 i32)
    (local.set $sAm2 (i32.shl (local.get $sAm) (i32.const 1)))
    (local.set $sAm3 (i32.add (local.get $sAm2) (local.get $sAm)))
    (block $md (loop $ml
      (br_if $md (i32.gt_u (i32.add (local.get $m) (i32.const 4)) (local.get $M)))
      (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $sAm))))
      (local.set $pb (local.get $b))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $k (local.get $K))
      (if (i32.eq (local.get $sAm) (i32.const 4))
        (then
          (block $kd (loop $kl
            (br_if $kd (i32.eqz (local.get $k)))
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $pa)) (v128.load32_splat (local.get $pb)))))
            (local.set $pa (i32.add (local.get $pa) (local.get $sAk)))
            (local.set $pb (i32.add (local.get $pb) (local.get $sBk)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $kl))))
        (else
          (block $kd2 (loop $kl2
            (br_if $kd2 (i32.eqz (local.get $k)))
            (local.set $x (v128.load32_splat (local.get $pa)))
            (local.set $x (f32x4.replace_lane 1 (local.get $x) (f32.load (i32.add (local.get $pa) (local.get $sAm)))))
            (local.set $x (f32x4.replace_lane 2 (local.get $x) (f32.load (i32.add (local.get $pa) (local.get $sAm2)))))
            (local.set $x (f32x4.replace_lane 3 (local.get $x) (f32.load (i32.add (local.get $pa) (local.get $sAm3)))))
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $x) (v128.load32_splat (local.get $pb)))))
            (local.set $pa (i32.add (local.get $pa) (local.get $sAk)))
            (local.set $pb (i32.add (local.get $pb) (local.get $sBk)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $kl2)))))
      (if (local.get $bias) (then (local.set $acc (f32x4.add (local.get $acc) (v128.load32_splat (local.get $bias))))))
      (if (local.get $relu) (then (local.set $acc (f32x4.pmax (local.get $acc) (v128.const i32x4 0 0 0 0)))))
      (v128.store (i32.add (local.get $c) (i32.shl (local.get $m) (i32.const 2))) (local.get $acc))
      (local.set $m (i32.add (local.get $m) (i32.const 4)))
      (br $ml)))
    (block $rd (loop $rl
      (br_if $rd (i32.ge_u (local.get $m) (local.get $M)))
      (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $sAm))))
      (local.set $pb (local.get $b))
      (local.set $s (f32.const 0))
      (local.set $k (local.get $K))
      (block $kd3 (loop $kl3
        (br_if $kd3 (i32.eqz (local.get $k)))
        (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $pa)) (f32.load (local.get $pb)))))
        (local.set $pa (i32.add (local.get $pa) (local.get $sAk)))
        (local.set $pb (i32.add (local.get $pb) (local.get $sBk)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $kl3)))
      (if (local.get $bias) (then (local.set $s (f32.add (local.get $s) (f32.load (local.get $bias))))))
      (if (local.get $relu) (then (local.set $s (select (f32.const 0) (local.get $s) (f32.lt (local.get $s) (f32.const 0))))))
      (f32.store (i32.add (local.get $c) (i32.shl (local.get $m) (i32.const 2))) (local.get $s))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $rl))))

  ;; Stores the first n (1..8) lanes of v0, v1 (8 floats) at p.
  (func $store8 (param $p i32) (param $v0 v128) (param $v1 v128) (param $n i32)
    (if (i32.eq (local.get $n) (i32.const 8)) (then
      (v128.store (local.get $p) (local.get $v0))
      (v128.store offset=16 (local.get $p) (local.get $v1))
      (return)))
    (if (i32.ge_u (local.get $n) (i32.const 4)) (then
      (v128.store (local.get $p) (local.get $v0))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (local.set $n (i32.sub (local.get $n) (i32.const 4)))
      (local.set $v0 (local.get $v1))))
    (if (i32.ge_u (local.get $n) (i32.const 2)) (then
      (v128.store64_lane 0 (local.get $p) (local.get $v0))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (local.set $n (i32.sub (local.get $n) (i32.const 2)))
      (local.set $v0 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v0) (local.get $v0)))))
    (if (local.get $n) (then (v128.store32_lane 0 (local.get $p) (local.get $v0)))))

  ;; rows copies of nbytes each: row r from src + r·sSrc to dst + r·sDst (concatenating or splitting along the last axis).
  ;; Rows of a multiple of 16 bytes go 16 bytes at a time (memory.copy per short row costs more than the copy).
  (func (export "copy_rows") (param $src i32) (param $sSrc i32) (param $dst i32) (param $sDst i32) (param $rows i32) (param $nbytes i32)
    (local $o i32)
    (if (i32.and (local.get $nbytes) (i32.const 15))
      (then
        (block $d
          (loop $l
            (br_if $d (i32.le_s (local.get $rows) (i32.const 0)))
            (memory.copy (local.get $dst) (local.get $src) (local.get $nbytes))
            (local.set $src (i32.add (local.get $src) (local.get $sSrc)))
            (local.set $dst (i32.add (local.get $dst) (local.get $sDst)))
            (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
            (br $l))))
      (else
        (block $d2
          (loop $l2
            (br_if $d2 (i32.le_s (local.get $rows) (i32.const 0)))
            (local.set $o (i32.const 0))
            (block $od
              (loop $ol
                (br_if $od (i32.ge_u (local.get $o) (local.get $nbytes)))
                (v128.store (i32.add (local.get $dst) (local.get $o)) (v128.load (i32.add (local.get $src) (local.get $o))))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (br $ol)))
            (local.set $src (i32.add (local.get $src) (local.get $sSrc)))
            (local.set $dst (i32.add (local.get $dst) (local.get $sDst)))
            (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
            (br $l2))))))

  ;; out[j] = Σ_r x[r·inner + j] for j < inner (a sum over the leading axes: the bias gradient of a dense layer),
  ;; rows in order, so each column is summed first row to last.
  (func (export "sum_rows") (param $x i32) (param $rows i32) (param $inner i32) (param $out i32)
    (local $j i32) (local $r i32) (local $p i32)
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $inner) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $rd
      (loop $rl
        (br_if $rd (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $p (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $inner)) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $d4
          (loop $l4
            (br_if $d4 (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $inner)))
            (v128.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
              (f32x4.add (v128.load (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))))
                         (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $l4)))
        (block $d1
          (loop $l1
            (br_if $d1 (i32.ge_s (local.get $j) (local.get $inner)))
            (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
              (f32.add (f32.load (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))))
                       (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $l1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rl))))

  ;; out[k] = dy[k] · (x[k] > 0 ? 1 : 0), n floats: the gradient of ReLU as TF.js computes it (dy · step(x)).
  (func (export "relu_grad") (param $dy i32) (param $x i32) (param $out i32) (param $n i32)
    (local $k i32) (local $one v128)
    (local.set $one (f32x4.splat (f32.const 1)))
    (local.set $k (i32.const 0))
    (block $d4
      (loop $l4
        (br_if $d4 (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $n)))
        (v128.store (local.get $out)
          (f32x4.mul (v128.load (local.get $dy))
            (v128.and (f32x4.gt (v128.load (local.get $x)) (v128.const i32x4 0 0 0 0)) (local.get $one))))
        (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $l4)))
    (block $d1
      (loop $l1
        (br_if $d1 (i32.ge_s (local.get $k) (local.get $n)))
        (f32.store (local.get $out)
          (f32.mul (f32.load (local.get $dy)) (select (f32.const 1) (f32.const 0) (f32.gt (f32.load (local.get $x)) (f32.const 0)))))
        (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $l1))))

  ;; One Adam step over n floats, TF.js's AdamOptimizer operation by operation (each rounded to float32 as its
  ;; kernels round), with coupled L2 first when l2 ≠ 0 (g ← g + l2·w, the kernels' and PyTorch's weight_decay):
  ;;   m' = m·β1 + g·(1−β1);  v' = v·β2 + g²·(1−β2);  w' = ((m'/c1) / (√(v'/c2) + ε))·(−lr) + w,
  ;; with c1 = 1 − β1^t, c2 = 1 − β2^t. Results go to ow, om, ov (new tensors: TF.js tensors are immutable).
  (func (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $ow i32) (param $om i32) (param $ov i32) (param $n i32)
    (param $l2 f32) (param $b1 f32) (param $omb1 f32) (param $b2 f32) (param $omb2 f32) (param $c1 f32) (param $c2 f32)
    (param $eps f32) (param $nlr f32)
    (local $k i32) (local $o i32)
    (local $vw v128) (local $vg v128) (local $vm v128) (local $vv v128)
    (local $sl2 v128) (local $sb1 v128) (local $somb1 v128) (local $sb2 v128) (local $somb2 v128) (local $sc1 v128) (local $sc2 v128)
    (local $seps v128) (local $snlr v128)
    (local $fw f32) (local $fg f32) (local $fm f32) (local $fv f32)
    (local.set $sl2 (f32x4.splat (local.get $l2)))
    (local.set $sb1 (f32x4.splat (local.get $b1))) (local.set $somb1 (f32x4.splat (local.get $omb1)))
    (local.set $sb2 (f32x4.splat (local.get $b2))) (local.set $somb2 (f32x4.splat (local.get $omb2)))
    (local.set $sc1 (f32x4.splat (local.get $c1))) (local.set $sc2 (f32x4.splat (local.get $c2)))
    (local.set $seps (f32x4.splat (local.get $eps))) (local.set $snlr (f32x4.splat (local.get $nlr)))
    (local.set $k (i32.const 0))
    (block $d4
      (loop $l4
        (br_if $d4 (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $n)))
        (local.set $o (i32.shl (local.get $k) (i32.const 2)))
        (local.set $vw (v128.load (i32.add (local.get $w) (local.get $o))))
        (local.set $vg (v128.load (i32.add (local.get $g) (local.get $o))))
        (if (f32.ne (local.get $l2) (f32.const 0)) (then
          (local.set $vg (f32x4.add (local.get $vg) (f32x4.mul (local.get $sl2) (local.get $vw))))))
        (local.set $vm (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $o))) (local.get $sb1))
                                  (f32x4.mul (local.get $vg) (local.get $somb1))))
        (local.set $vv (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $o))) (local.get $sb2))
                                  (f32x4.mul (f32x4.mul (local.get $vg) (local.get $vg)) (local.get $somb2))))
        (v128.store (i32.add (local.get $om) (local.get $o)) (local.get $vm))
        (v128.store (i32.add (local.get $ov) (local.get $o)) (local.get $vv))
        (v128.store (i32.add (local.get $ow) (local.get $o))
          (f32x4.add
            (f32x4.mul
              (f32x4.div (f32x4.div (local.get $vm) (local.get $sc1))
                         (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (local.get $sc2))) (local.get $seps)))
              (local.get $snlr))
            (local.get $vw)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $l4)))
    (block $d1
      (loop $l1
        (br_if $d1 (i32.ge_s (local.get $k) (local.get $n)))
        (local.set $o (i32.shl (local.get $k) (i32.const 2)))
        (local.set $fw (f32.load (i32.add (local.get $w) (local.get $o))))
        (local.set $fg (f32.load (i32.add (local.get $g) (local.get $o))))
        (if (f32.ne (local.get $l2) (f32.const 0)) (then
          (local.set $fg (f32.add (local.get $fg) (f32.mul (local.get $l2) (local.get $fw))))))
        (local.set $fm (f32.add (f32.mul (f32.load (i32.add (local.get $m) (local.get $o))) (local.get $b1))
                                (f32.mul (local.get $fg) (local.get $omb1))))
        (local.set $fv (f32.add (f32.mul (f32.load (i32.add (local.get $v) (local.get $o))) (local.get $b2))
                                (f32.mul (f32.mul (local.get $fg) (local.get $fg)) (local.get $omb2))))
        (f32.store (i32.add (local.get $om) (local.get $o)) (local.get $fm))
        (f32.store (i32.add (local.get $ov) (local.get $o)) (local.get $fv))
        (f32.store (i32.add (local.get $ow) (local.get $o))
          (f32.add
            (f32.mul
              (f32.div (f32.div (local.get $fm) (local.get $c1))
                       (f32.add (f32.sqrt (f32.div (local.get $fv) (local.get $c2))) (local.get $eps)))
              (local.get $nlr))
            (local.get $fw)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $l1))))

  ;; out[r] = table[idx[r]] for r < n, rows of nbytes (a multiple of 16) at byte strides nbytes: an embedding lookup.
  ;; Returns -1, or the position of the first index outside [0, rows) (nothing is copied then).
  (func (export "gather_rows") (param $table i32) (param $rows i32) (param $nbytes i32) (param $idx i32) (param $n i32) (param $out i32) (result i32)
    (local $r i32) (local $v i32) (local $src i32) (local $o i32)
    (block $cd
      (loop $cl
        (br_if $cd (i32.ge_u (local.get $r) (local.get $n)))
        (if (i32.ge_u (i32.load (i32.add (local.get $idx) (i32.shl (local.get $r) (i32.const 2)))) (local.get $rows))
          (then (return (local.get $r))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $cl)))
    (local.set $r (i32.const 0))
    (block $rd
      (loop $rl
        (br_if $rd (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $src (i32.add (local.get $table)
          (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $r) (i32.const 2)))) (local.get $nbytes))))
        (local.set $o (i32.const 0))
        (block $od
          (loop $ol
            (br_if $od (i32.ge_u (local.get $o) (local.get $nbytes)))
            (v128.store (i32.add (local.get $out) (local.get $o)) (v128.load (i32.add (local.get $src) (local.get $o))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $ol)))
        (local.set $out (i32.add (local.get $out) (local.get $nbytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rl)))
    (i32.const -1))

  ;; The gradient of that lookup: out = 0 ([rows, inner] floats, inner a multiple of 4), then out[idx[r]] += dy[r] for
  ;; r = 0, 1, ..., n-1 in order (rows of repeated indices are summed in that order, as ScatterNd sums them).
  ;; The indices were checked by the lookup.
  (func (export "scatter_add_rows") (param $dy i32) (param $idx i32) (param $n i32) (param $inner i32) (param $out i32) (param $rows i32)
    (local $r i32) (local $dst i32) (local $o i32) (local $nbytes i32)
    (local.set $nbytes (i32.shl (local.get $inner) (i32.const 2)))
    (memory.fill (local.get $out) (i32.const 0) (i32.mul (local.get $rows) (local.get $nbytes)))
    (block $rd
      (loop $rl
        (br_if $rd (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $dst (i32.add (local.get $out)
          (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $r) (i32.const 2)))) (local.get $nbytes))))
        (local.set $o (i32.const 0))
        (block $od
          (loop $ol
            (br_if $od (i32.ge_u (local.get $o) (local.get $nbytes)))
            (v128.store (i32.add (local.get $dst) (local.get $o))
              (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $o))) (v128.load (i32.add (local.get $dy) (local.get $o)))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $ol)))
        (local.set $dy (i32.add (local.get $dy) (local.get $nbytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rl))))

  ;; out[o·inner + j] = dy[o] / n for o < outer, j < inner: the gradient of a mean over trailing axes (TF.js's
  ;; (dy · 1) / n, the same float32 division, without the ones tensor and the two kernels).
  (func (export "mean_grad") (param $dy i32) (param $outer i32) (param $inner i32) (param $n f32) (param $out i32)
    (local $o i32) (local $j i32) (local $v f32) (local $vv v128)
    (block $od (loop $ol
      (br_if $od (i32.ge_u (local.get $o) (local.get $outer)))
      (local.set $v (f32.div (f32.load (i32.add (local.get $dy) (i32.shl (local.get $o) (i32.const 2)))) (local.get $n)))
      (local.set $vv (f32x4.splat (local.get $v)))
      (local.set $j (i32.const 0))
      (block $d4 (loop $l4
        (br_if $d4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $inner)))
        (v128.store (local.get $out) (local.get $vv))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $l4)))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $j) (local.get $inner)))
        (f32.store (local.get $out) (local.get $v))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l1)))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br $ol))))
)
