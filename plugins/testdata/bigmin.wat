;; bigmin.wat: a module declaring 100 pages (6.25 MiB) of minimum memory,
;; more than the 1 MiB memory_limit the test gives it: Load must refuse it,
;; naming the plugin. Assembled by the tests with wat2wasm.
(module
  (memory (export "memory") 100)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "init") (param i32 i32) (result i32) (i32.const 0))
  (func (export "transform") (param i32 i32) (result i64) (i64.const 0)))
