package store

import (
	"fmt"
	"strings"
	"testing"

	"github.com/agentlens/agentlens-go/store/chain"
)

// BenchmarkAppend measures appending batches of 100 events of about 500
// payload bytes, one goroutine per CPU, fsync included (synchronous=FULL).
func BenchmarkAppend(b *testing.B) {
	s := openTestStore(b, "")
	payload := `{"data":"` + strings.Repeat("x", 480) + `","type":"bench"}`
	b.SetBytes(100 * int64(len(payload)))
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			batch := make([]chain.Event, 100)
			for i := range batch {
				batch[i] = newEvent(fmt.Sprintf("bench-%d", n%16), "custom", payload)
			}
			n++
			if err := s.Append(b.Context(), batch); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkVerifySession measures verifying one 10,000-event session.
func BenchmarkVerifySession(b *testing.B) {
	s := openTestStore(b, "")
	payload := `{"data":"` + strings.Repeat("x", 480) + `","type":"bench"}`
	for range 100 {
		batch := make([]chain.Event, 100)
		for i := range batch {
			batch[i] = newEvent("verify", "custom", payload)
		}
		mustAppend(b, s, batch...)
	}
	b.ResetTimer()
	for b.Loop() {
		if v := mustVerify(b, s, "verify"); v.Break != nil || v.Events != 10000 {
			b.Fatalf("VerifySession = %+v", v)
		}
	}
	b.ReportMetric(float64(b.N*10000)/b.Elapsed().Seconds(), "events/s")
}
