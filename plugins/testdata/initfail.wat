;; initfail.wat: init writes "unknown option: colour" to stderr and returns 1,
;; as a plugin refusing its config does; Load must fail with that text.
;; Assembled by the tests with wat2wasm.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "unknown option: colour\n") ;; 23 bytes
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "init") (param i32 i32) (result i32)
    (i32.store (i32.const 16) (i32.const 64))
    (i32.store (i32.const 20) (i32.const 23))
    (drop (call $fd_write (i32.const 2) (i32.const 16) (i32.const 1) (i32.const 24)))
    (i32.const 1))
  (func (export "transform") (param i32 i32) (result i64) (i64.const 0)))
