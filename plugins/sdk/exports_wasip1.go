//go:build wasip1

package sdk

import "unsafe"

// maxInput bounds one alloc; larger requests fail with 0 instead of
// crashing the guest.
const maxInput = 1 << 30

// inBuf is the buffer the last alloc handed out, kept until the next. The
// last output stays referenced by Handle's reused buffer until the next
// call, while the host reads it from linear memory.
var inBuf []byte

// alloc returns a guest buffer of size bytes for the host to write the
// next init or transform input into, or 0 on failure.
//
//go:wasmexport alloc
func alloc(size uint32) uint32 {
	if size > maxInput {
		return 0
	}
	if size == 0 {
		size = 1
	}
	if uint32(cap(inBuf)) >= size {
		inBuf = inBuf[:size]
	} else {
		inBuf = make([]byte, size)
	}
	return addr(inBuf)
}

// exportInit is the ABI's init: it hands the config to the function given
// to RegisterInit.
//
//go:wasmexport init
func exportInit(ptr, size uint32) uint32 {
	in, ok := callInput(ptr, size)
	if !ok {
		return 1
	}
	return Init(append([]byte(nil), in...))
}

// transform is the ABI's transform: out_ptr<<32 | status<<30 | out_len.
//
//go:wasmexport transform
func transform(ptr, size uint32) uint64 {
	in, ok := callInput(ptr, size)
	var status uint32
	var out []byte
	if ok {
		status, out = Handle(in)
	} else {
		status, out = message(StatusError, "transform input was not written to the alloc buffer")
	}
	return uint64(addr(out))<<32 | uint64(status)<<30 | uint64(len(out))
}

// callInput returns the alloc buffer as the call's input, refusing any other
// pointer, so no host-supplied address is ever dereferenced.
func callInput(ptr, size uint32) ([]byte, bool) {
	if len(inBuf) == 0 || ptr != addr(inBuf) || size > uint32(len(inBuf)) {
		return nil, false
	}
	return inBuf[:size], true
}

// addr returns the linear-memory address of b's first byte, 0 when empty.
func addr(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}
