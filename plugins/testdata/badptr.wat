;; badptr.wat: a misbehaving plugin for plugins' tests (ABI v1).
;;
;; On BAD it returns status 0 with an output pointer far outside its memory.
;;
;; Every fixture behaves well unless the input contains the bytes "BAD":
;; it then answers {"payload":{"calls":N}}, N being the number of
;; transform calls this instance has seen (mod 10), so a test can tell a
;; fresh instance (N = 1) from a reused one. The tests assemble it with
;; wat2wasm (apt-get install wabt).
(module
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 16) "{\"payload\":{\"calls\":0}}") ;; 23 bytes, the digit at 36

  (func (export "_initialize"))

  ;; alloc: one input buffer at 1024.
  (func (export "alloc") (param $size i32) (result i32)
    (if (result i32) (i32.gt_u (local.get $size) (i32.const 60000))
      (then (i32.const 0))
      (else (i32.const 1024))))

  (func (export "init") (param $ptr i32) (param $len i32) (result i32)
    (i32.const 0))

  (func (export "transform") (param $ptr i32) (param $len i32) (result i64)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (if (call $bad (local.get $ptr) (local.get $len))
      (then
        (return (call $pack (i32.const 0x7fff0000) (i32.const 0) (i32.const 16)))))
    (call $good))

  ;; good answers {"payload":{"calls":N}}.
  (func $good (result i64)
    (i32.store8 (i32.const 36)
      (i32.add (i32.const 48) (i32.rem_u (global.get $calls) (i32.const 10))))
    (call $pack (i32.const 16) (i32.const 0) (i32.const 23)))

  ;; pack builds out_ptr<<32 | status<<30 | out_len.
  (func $pack (param $ptr i32) (param $status i32) (param $len i32) (result i64)
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
      (i64.or
        (i64.shl (i64.extend_i32_u (local.get $status)) (i64.const 30))
        (i64.extend_i32_u (local.get $len)))))

  ;; bad reports whether [$p, $p+$n) contains "BAD".
  (func $bad (param $p i32) (param $n i32) (result i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (block $no
      (loop $scan
        (br_if $no (i32.gt_u (i32.add (local.get $p) (i32.const 3)) (local.get $end)))
        (if (i32.and
              (i32.eq (i32.load8_u (local.get $p)) (i32.const 66))
              (i32.and
                (i32.eq (i32.load8_u offset=1 (local.get $p)) (i32.const 65))
                (i32.eq (i32.load8_u offset=2 (local.get $p)) (i32.const 68))))
          (then (return (i32.const 1))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $scan)))
    (i32.const 0))
)
