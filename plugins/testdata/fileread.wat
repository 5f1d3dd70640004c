;; fileread.wat: a misbehaving plugin for plugins' tests (ABI v1).
;;
;; On BAD it tries to open etc/passwd through WASI path_open relative to fd 3,
;; the first preopened directory if there were one. With no filesystem mounted it
;; must fail: it then fails (status 2) with "path_open errno N"; should the
;; open succeed it answers {"payload":{"leaked":true}}.
;;
;; Every fixture behaves well unless the input contains the bytes "BAD":
;; it then answers {"payload":{"calls":N}}, N being the number of
;; transform calls this instance has seen (mod 10), so a test can tell a
;; fresh instance (N = 1) from a reused one. The tests assemble it with
;; wat2wasm (apt-get install wabt).
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 16) "{\"payload\":{\"calls\":0}}") ;; 23 bytes, the digit at 36
  (data (i32.const 64) "etc/passwd") ;; 10 bytes
  (data (i32.const 96) "path_open errno ") ;; 16 bytes
  (data (i32.const 128) "{\"payload\":{\"leaked\":true}}") ;; 27 bytes

  (func (export "_initialize"))

  ;; alloc: one input buffer at 1024.
  (func (export "alloc") (param $size i32) (result i32)
    (if (result i32) (i32.gt_u (local.get $size) (i32.const 60000))
      (then (i32.const 0))
      (else (i32.const 1024))))

  (func (export "init") (param $ptr i32) (param $len i32) (result i32)
    (i32.const 0))

  (func (export "transform") (param $ptr i32) (param $len i32) (result i64)
    (local $errno i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (if (call $bad (local.get $ptr) (local.get $len))
      (then
        (local.set $errno
          (call $path_open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 10)
            (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 200)))
        (if (i32.eqz (local.get $errno))
          (then (return (call $pack (i32.const 128) (i32.const 0) (i32.const 27)))))
        (return (call $pack (i32.const 96) (i32.const 2)
          (i32.sub (call $itoa (i32.const 112) (local.get $errno)) (i32.const 96))))))
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

  ;; itoa writes $n in decimal at $o and returns the position after it.
  (func $itoa (param $o i32) (param $n i32) (result i32)
    (local $digits i32)
    (local $t i32)
    (local.set $t (local.get $n))
    (loop $count_digits
      (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
      (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
      (br_if $count_digits (i32.ne (local.get $t) (i32.const 0))))
    (local.set $t (i32.add (local.get $o) (local.get $digits)))
    (loop $write
      (local.set $t (i32.sub (local.get $t) (i32.const 1)))
      (i32.store8 (local.get $t)
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $write (i32.gt_u (local.get $t) (local.get $o))))
    (i32.add (local.get $o) (local.get $digits)))
)
