;; Dense-layer training kernels for the tfjs-wasm backend (src/model/tfjs-wasm-kernels.ts registers them as TF.js
;; kernels). The module imports tfjs-wasm's own memory, so every address below is a tensor's memoryOffset (or a scratch
;; block tfjs-wasm's malloc handed out): no copies in or out. All arithmetic is IEEE float32 (no fused multiply-add),
;; so results do not depend on the machine. Assembled by scripts/assemble-kernels.ts (npm run kernel:assemble).
(module
  (import "env" "memory" (memory 0))

  ;; One 8-column panel of C = A·B (+ bias) (ReLU): for m < M, C[m, 0..8) = act(Σ_k A[m,k]·B[k, 0..8) + bias[0..8)).
  ;; A[m,k] is at a + m·sAm + k·sAk (byte strides: a transposed A is just other strides); B's panel row k is the 8
  ;; floats at b + k·sBk; C's row m is the 8 floats at c + m·sCm. bias = 0: none (else 8 floats); relu = 1: x < 0 ? 0 : x.
  ;; Rows go 4 at a time (8 accumulators, 2 B vectors, 1 broadcast A value in registers), then one at a time.
  (func (export "gemm_panel")
    (param $a i32) (param $sAm i32) (param $sAk i32) (param $b i32) (param $sBk i32)
    (param $c i32) (param $sCm i32) (param $M i32) (param $K i32) (param $bias i32) (param $relu i32)
    (local $m i32) (local $k i32) (local $pa0 i32) (local $pa1 i32) (local $pa2 i32) (local $pa3 i32) (local $pb i32) (local $pc i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128) (local $bias0 v128) (local $bias1 v128) (local $zero v128)
    (if (local.get $bias) (then
      (local.set $bias0 (v128.load (local.get $bias)))
      (local.set $bias1 (v128.load offset=16 (local.get $bias)))))
    (local.set $m (i32.const 0))
    (block $done4
      (loop $rows4
        (br_if $done4 (i32.gt_s (i32.add (local.get $m) (i32.const 4)) (local.get $M)))
        (local.set $pa0 (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $sAm))))
        (local.set $pa1 (i32.add (local.get $pa0) (local.get $sAm)))
        (local.set $pa2 (i32.add (local.get $pa1) (local.get $sAm)))
        (local.set $pa3 (i32.add (local.get $pa2) (local.get $sAm)))
        (local.set $pb (local.get $b))
        (local.set $c00 (local.get $zero)) (local.set $c01 (local.get $zero))
        (local.set $c10 (local.get $zero)) (local.set $c11 (local.get $zero))
        (local.set $c20 (local.get $zero)) (local.set $c21 (local.get $zero))
        (local.set $c30 (local.get $zero)) (local.set $c31 (local.get $zero))
        (local.set $k (local.get $K))
        (block $kdone
          (loop $kloop
            (br_if $kdone (i32.eqz (local.get $k)))
            (local.set $b0 (v128.load (local.get $pb)))
            (local.set $b1 (v128.load offset=16 (local.get $pb)))
            (local.set $x (v128.load32_splat (local.get $pa0)))
            (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
            (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
            (local.set $x (v128.load32_splat (local.get $pa1)))
            (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
            (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
            (local.set $x (v128.load32_splat (local.get $pa2)))
            (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
            (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
            (local.set $x (v128.load32_splat (local.get $pa3)))
            (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
            (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
            (local.set $pa0 (i32.add (local.get $pa0) (local.get $sAk)))
            (local.set $pa1 (i32.add (local.get $pa1) (local.get $sAk)))
            (local.set $pa2 (i32.add (local.get $pa2) (local.get $sAk)))
            (local.set $pa3 (i32.add (local.get $pa3) (local.get $sAk)))
            (local.set $pb (i32.add (local.get $pb) (local.get $sBk)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $kloop)))
        (if (local.get $bias) (then
          (local.set $c00 (f32x4.add (local.get $c00) (local.get $bias0))) (local.set $c01 (f32x4.add (local.get $c01) (local.get $bias1)))
          (local.set $c10 (f32x4.add (local.get $c10) (local.get $bias0))) (local.set $c11 (f32x4.add (local.get $c11) (local.get $bias1)))
          (local.set $c20 (f32x4.add (local.get $c20) (local.get $bias0))) (local.set $c21 (f32x4.add (local.get $c21) (local.get $bias1)))
          (local.set $c30 (f32x4.add (local.get $c30) (local.get $bias0))) (local.set $c31 (f32x4.add (local.get $c31) (local.get $bias1)))))
        (if (local.get $relu) (then
          (local.set $c00 (f32x4.pmax (local.get $c00) (local.get $zero))) (local.set $c01 (f32x4.pmax (local.get $c01) (local.get $zero)))
          (local.set $c10 (f32x4.pmax (local.get $c10) (local.get $zero))) (local.set $c11 (f32x4.pmax (local.get $c11) (local.get $zero)))
          (local.set $c20 (f32x4.pmax (local.get $c20) (local.get $zero))) (local.set $c21 (f32x4.pmax (local.get $c21) (local.get $zero)))
          (local.set $c30 (f32x4.pmax (local.get $c30) (local.get $zero))) (local.set $c31 (f32x4.pmax (local.get $c31) (local.get $zero)))))
        (local.set $pc (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $sCm))))
        (v128.store (local.get $pc) (local.get $c00)) (v128.store offset=16 (local.get $pc) (local.get $c01))
        (local.set $pc (i32.add (local.get $pc) (local.get $sCm)))
        (v128.store (local.get $pc) (local.get $c10)) (v128.store offset=16 (local.get $pc) (local.get $c11))
        (local.set $pc (i32.add (local.get $pc) (local.get $sCm)))
        (v128.store (local.get $pc) (local.get $c20)) (v128.store offset=16 (local.get $pc) (local.get $c21))
        (local.set $pc (i32.add (local.get $pc) (local.get $sCm)))
        (v128.store (local.get $pc) (local.get $c30)) (v128.store offset=16 (local.get $pc) (local.get $c31))
        (local.set $m (i32.add (local.get $m) (i32.const 4)))
        (br $rows4)))
    ;; The last M mod 4 rows, one at a time.
    (block $done1
      (loop $rows1
        (br_if $done1 (i32.ge_s (local.get $m) (local.get $M)))
        (local.set $pa0 (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $sAm))))
        (local.set $pb (local.get $b))
        (local.set $c00 (local.get $zero)) (local.set $c01 (local.get $zero))
        (local.set $k (local.get $K))
        (block $kdone1
          (loop $kloop1
            (br_if $kdone1 (i32.eqz (local.get $k)))
            (local.set $x (v128.load32_splat (local.get $pa0)))
            (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (v128.load (local.get $pb)))))
            (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $pb)))))
            (local.set $pa0 (i32.add (local.get $pa0) (local.get $sAk)))
            (local.set $pb (i32.add (local.get $pb) (local.get $sBk)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $kloop1)))
        (if (local.get $bias) (then
          (local.set $c00 (f32x4.add (local.get $c00) (local.get $bias0))) (local.set $c01 (f32x4.add (local.get $c01) (local.get $bias1)))))
        (if (local.get $relu) (then
          (local.set $c00 (f32x4.pmax (local.get $c00) (local.get $zero))) (local.set $c01 (f32x4.pmax (local.get $c01) (local.get $zero)))))
        (local.set $pc (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $sCm))))
        (v128.store (local.get $pc) (local.get $c00)) (v128.store offset=16 (local.get $pc) (local.get $c01))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $rows1))))

  ;; Packs ncols (≤ 8) columns of a K-row matrix into a panel of 8 floats per row, zero-padded: dst[k·8 + j] =
  ;; src[k·sK + j·sN] (byte strides; a transposed source is just other strides).
  (func (export "pack_panel") (param $src i32) (param $sK i32) (param $sN i32) (param $K i32) (param $ncols i32) (param $dst i32)
    (local $k i32) (local $j i32) (local $p i32) (local $q i32)
    (local.set $k (i32.const 0))
    (block $kd
      (loop $kl
        (br_if $kd (i32.ge_s (local.get $k) (local.get $K)))
        (local.set $p (i32.add (local.get $src) (i32.mul (local.get $k) (local.get $sK))))
        (local.set $q (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 5))))
        (v128.store (local.get $q) (v128.const i32x4 0 0 0 0))
        (v128.store offset=16 (local.get $q) (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_s (local.get $j) (local.get $ncols)))
            (f32.store (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2))) (f32.load (local.get $p)))
            (local.set $p (i32.add (local.get $p) (local.get $sN)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jl)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kl))))

  ;; rows copies of nbytes each: row r from src + r·sSrc to dst + r·sDst (concatenating or splitting along the last axis).
  (func (export "copy_rows") (param $src i32) (param $sSrc i32) (param $dst i32) (param $sDst i32) (param $rows i32) (param $nbytes i32)
    (block $d
      (loop $l
        (br_if $d (i32.le_s (local.get $rows) (i32.const 0)))
        (memory.copy (local.get $dst) (local.get $src) (local.get $nbytes))
        (local.set $src (i32.add (local.get $src) (local.get $sSrc)))
        (local.set $dst (i32.add (local.get $dst) (local.get $sDst)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $l))))

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
)
