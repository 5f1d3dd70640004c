;; noexport.wat: a module lacking the ABI v1 transform export, which Load
;; must refuse, naming the file. Assembled by the tests with wat2wasm.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "init") (param i32 i32) (result i32) (i32.const 0)))
