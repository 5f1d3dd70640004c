;; start.wat: a module that also exports _start, which traps. The host runs
;; only _initialize (which sets a flag) and never _start, so Load succeeds and
;; transform answers {"payload":{"initialized":true}}; without _initialize
;; having run it fails. Assembled by the tests with wat2wasm.
(module
  (memory (export "memory") 1)
  (global $initialized (mut i32) (i32.const 0))
  (data (i32.const 64) "{\"payload\":{\"initialized\":true}}") ;; 32 bytes
  (data (i32.const 128) "_initialize did not run") ;; 23 bytes
  (func (export "_start") unreachable)
  (func (export "_initialize") (global.set $initialized (i32.const 1)))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "init") (param i32 i32) (result i32) (i32.const 0))
  (func (export "transform") (param i32 i32) (result i64)
    (if (result i64) (global.get $initialized)
      (then (i64.or (i64.shl (i64.const 64) (i64.const 32)) (i64.const 32)))
      (else (i64.or (i64.shl (i64.const 128) (i64.const 32))
                    (i64.or (i64.shl (i64.const 2) (i64.const 30)) (i64.const 23)))))))
