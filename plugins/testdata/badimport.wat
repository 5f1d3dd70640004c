;; badimport.wat: a module importing a host function AgentLens does not
;; provide (env.http_get); Load must refuse it. Assembled by the tests with
;; wat2wasm.
(module
  (import "env" "http_get" (func $http_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "init") (param i32 i32) (result i32) (i32.const 0))
  (func (export "transform") (param i32 i32) (result i64) (i64.const 0)))
