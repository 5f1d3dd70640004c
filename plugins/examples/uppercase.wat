;; uppercase: an AgentLens plugin (ABI v1) written by hand in WebAssembly
;; text, to show that the ABI needs no SDK and no particular language.
;;
;; It upper-cases the ASCII letters of every string value in the payload
;; (object keys stay as they are) and reports one finding of type
;; "uppercase" at "$" counting the strings it changed. It needs no WASI
;; import and accepts any config.
;;
;; Build (wat2wasm is in the wabt package: apt-get install wabt):
;;
;;   wat2wasm plugins/examples/uppercase.wat -o bin/plugins/uppercase.wasm
;;
;; Memory layout: constants below 1024; alloc hands out one buffer at 1024
;; (the input); transform writes its output right after the input. The
;; input is the host's canonical JSON (JCS): no whitespace, and a raw '"'
;; only opens or closes a string.
(module
  (memory (export "memory") 1)

  ;; Strings changed by the last transform.
  (global $count (mut i32) (i32.const 0))

  (data (i32.const 16) "\"payload\"")     ;; 9 bytes: the member name looked for
  (data (i32.const 32) "{\"payload\":")   ;; 11 bytes: output prefix
  ;; 52 bytes: findings prefix
  (data (i32.const 64) ",\"findings\":[{\"type\":\"uppercase\",\"path\":\"$\",\"count\":")
  (data (i32.const 128) "}]")             ;; 2 bytes: findings suffix
  (data (i32.const 144) "input has no payload") ;; 20 bytes

  ;; The reactor entry point; nothing to set up.
  (func (export "_initialize"))

  ;; alloc returns the input buffer at 1024, growing memory so that the
  ;; input, the output (at most as long again plus 256 bytes) fit; 0 when
  ;; memory cannot grow.
  (func (export "alloc") (param $size i32) (result i32)
    (local $need i32)
    (local $have i32)
    (if (i32.gt_u (local.get $size) (i32.const 0x10000000))
      (then (return (i32.const 0))))
    (local.set $need
      (i32.add (i32.const 1288) (i32.shl (local.get $size) (i32.const 1))))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $need) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow
                (i32.shr_u
                  (i32.add (i32.sub (local.get $need) (local.get $have)) (i32.const 65535))
                  (i32.const 16)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (i32.const 1024))

  ;; init accepts any config.
  (func (export "init") (param $ptr i32) (param $len i32) (result i32)
    (i32.const 0))

  ;; transform finds the payload member of the input object and writes
  ;; {"payload":<upper-cased payload>[,"findings":[...]]} after the input.
  (func (export "transform") (param $ptr i32) (param $len i32) (result i64)
    (local $end i32)
    (local $pos i32)
    (local $kend i32)
    (local $vend i32)
    (local $ps i32)
    (local $pe i32)
    (local $out i32)
    (local $o i32)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (local.set $pos (i32.add (local.get $ptr) (i32.const 1)))
    ;; Walk the members of the top-level object.
    (block $done
      (loop $members
        (br_if $done (i32.ge_u (local.get $pos) (local.get $end)))
        (br_if $done (i32.ne (i32.load8_u (local.get $pos)) (i32.const 34))) ;; '"'
        (local.set $kend (call $skip_string (local.get $pos)))
        (local.set $vend (call $skip_value (i32.add (local.get $kend) (i32.const 1))))
        (if (call $equal (local.get $pos) (i32.sub (local.get $kend) (local.get $pos))
                         (i32.const 16) (i32.const 9))
          (then
            (local.set $ps (i32.add (local.get $kend) (i32.const 1)))
            (local.set $pe (local.get $vend))))
        (local.set $pos (local.get $vend))
        (br_if $done (i32.ne (i32.load8_u (local.get $pos)) (i32.const 44))) ;; ','
        (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
        (br $members)))
    (if (i32.eqz (local.get $ps))
      (then (return (call $pack (i32.const 144) (i32.const 2) (i32.const 20)))))

    ;; Output after the input, 8-byte aligned.
    (local.set $out (i32.and (i32.add (local.get $end) (i32.const 7)) (i32.const -8)))
    (local.set $o (call $copy (local.get $out) (i32.const 32) (i32.const 11)))
    (local.set $o (call $upper (local.get $ps) (local.get $pe) (local.get $o)))
    (if (i32.gt_u (global.get $count) (i32.const 0))
      (then
        (local.set $o (call $copy (local.get $o) (i32.const 64) (i32.const 52)))
        (local.set $o (call $itoa (local.get $o) (global.get $count)))
        (local.set $o (call $copy (local.get $o) (i32.const 128) (i32.const 2)))))
    (i32.store8 (local.get $o) (i32.const 125)) ;; '}'
    (local.set $o (i32.add (local.get $o) (i32.const 1)))
    (call $pack (local.get $out) (i32.const 0) (i32.sub (local.get $o) (local.get $out))))

  ;; pack builds out_ptr<<32 | status<<30 | out_len.
  (func $pack (param $ptr i32) (param $status i32) (param $len i32) (result i64)
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
      (i64.or
        (i64.shl (i64.extend_i32_u (local.get $status)) (i64.const 30))
        (i64.extend_i32_u (local.get $len)))))

  ;; skip_string returns the position after the string opening at $pos.
  (func $skip_string (param $pos i32) (result i32)
    (local $c i32)
    (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
    (loop $chars
      (local.set $c (i32.load8_u (local.get $pos)))
      (if (i32.eq (local.get $c) (i32.const 92)) ;; '\\': skip the escaped byte
        (then
          (local.set $pos (i32.add (local.get $pos) (i32.const 2)))
          (br $chars)))
      (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
      (br_if $chars (i32.ne (local.get $c) (i32.const 34))))
    (local.get $pos))

  ;; skip_value returns the position after the JSON value starting at $pos.
  (func $skip_value (param $pos i32) (result i32)
    (local $c i32)
    (local $depth i32)
    (local.set $c (i32.load8_u (local.get $pos)))
    (if (i32.eq (local.get $c) (i32.const 34))
      (then (return (call $skip_string (local.get $pos)))))
    (if (i32.or (i32.eq (local.get $c) (i32.const 123)) (i32.eq (local.get $c) (i32.const 91)))
      (then
        (loop $bytes
          (local.set $c (i32.load8_u (local.get $pos)))
          (if (i32.eq (local.get $c) (i32.const 34))
            (then
              (local.set $pos (call $skip_string (local.get $pos)))
              (br $bytes)))
          (if (i32.or (i32.eq (local.get $c) (i32.const 123)) (i32.eq (local.get $c) (i32.const 91)))
            (then (local.set $depth (i32.add (local.get $depth) (i32.const 1)))))
          (if (i32.or (i32.eq (local.get $c) (i32.const 125)) (i32.eq (local.get $c) (i32.const 93)))
            (then (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))))
          (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
          (br_if $bytes (i32.gt_s (local.get $depth) (i32.const 0))))
        (return (local.get $pos))))
    ;; A number or literal runs up to ',', '}' or ']'.
    (loop $bytes
      (local.set $c (i32.load8_u (local.get $pos)))
      (if (i32.and
            (i32.ne (local.get $c) (i32.const 44))
            (i32.and (i32.ne (local.get $c) (i32.const 125)) (i32.ne (local.get $c) (i32.const 93))))
        (then
          (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
          (br $bytes))))
    (local.get $pos))

  ;; upper copies the JSON text [$pos, $end) to $o, upper-casing the ASCII
  ;; letters of string values (a string followed by ':' is a key and is
  ;; copied as it is). It sets $count and returns the new output position.
  (func $upper (param $pos i32) (param $end i32) (param $o i32) (result i32)
    (local $c i32)
    (local $send i32)
    (local $changed i32)
    (global.set $count (i32.const 0))
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $pos) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $pos)))
        (if (i32.ne (local.get $c) (i32.const 34))
          (then
            (i32.store8 (local.get $o) (local.get $c))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br $bytes)))
        (local.set $send (call $skip_string (local.get $pos)))
        (if (i32.eq (i32.load8_u (local.get $send)) (i32.const 58)) ;; ':' follows a key
          (then
            (local.set $o (call $copy (local.get $o) (local.get $pos)
                                      (i32.sub (local.get $send) (local.get $pos))))
            (local.set $pos (local.get $send))
            (br $bytes)))
        (local.set $changed (i32.const 0))
        (block $string_done
          (loop $chars
            (br_if $string_done (i32.ge_u (local.get $pos) (local.get $send)))
            (local.set $c (i32.load8_u (local.get $pos)))
            (if (i32.eq (local.get $c) (i32.const 92)) ;; copy an escape untouched
              (then
                (i32.store8 (local.get $o) (local.get $c))
                (i32.store8 offset=1 (local.get $o) (i32.load8_u offset=1 (local.get $pos)))
                (local.set $o (i32.add (local.get $o) (i32.const 2)))
                (local.set $pos (i32.add (local.get $pos) (i32.const 2)))
                (br $chars)))
            (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
              (then
                (local.set $c (i32.sub (local.get $c) (i32.const 32)))
                (local.set $changed (i32.const 1))))
            (i32.store8 (local.get $o) (local.get $c))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br $chars)))
        (global.set $count (i32.add (global.get $count) (local.get $changed)))
        (br $bytes)))
    (local.get $o))

  ;; copy copies $n bytes from $src to $dst and returns $dst + $n.
  (func $copy (param $dst i32) (param $src i32) (param $n i32) (result i32)
    (block $done
      (loop $bytes
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $bytes)))
    (local.get $dst))

  ;; equal compares $an bytes at $a with $bn bytes at $b.
  (func $equal (param $a i32) (param $an i32) (param $b i32) (param $bn i32) (result i32)
    (if (i32.ne (local.get $an) (local.get $bn))
      (then (return (i32.const 0))))
    (block $done
      (loop $bytes
        (br_if $done (i32.eqz (local.get $an)))
        (if (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b)))
          (then (return (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (local.set $an (i32.sub (local.get $an) (i32.const 1)))
        (br $bytes)))
    (i32.const 1))

  ;; itoa writes $n in decimal at $o and returns the position after it.
  (func $itoa (param $o i32) (param $n i32) (result i32)
    (local $digits i32)
    (local $t i32)
    ;; Count the digits, then write them from the last.
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
