package harness

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestLogTail_Lines(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		writes []string
		want   []string
	}{
		{"empty", 3, nil, nil},
		{"whole lines", 3, []string{"a\nb\n"}, []string{"a", "b"}},
		{"split over writes", 3, []string{"he", "llo\nwor", "ld\n"}, []string{"hello", "world"}},
		{"unfinished last line", 3, []string{"a\nb"}, []string{"a", "b"}},
		{"keeps the last", 2, []string{"1\n2\n3\n4\n"}, []string{"3", "4"}},
		{"unfinished line counts", 2, []string{"1\n2\n3"}, []string{"2", "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lt := NewLogTail(tt.max)
			for _, w := range tt.writes {
				if n, err := lt.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v, want %d, nil", w, n, err, len(w))
				}
			}
			if got := lt.Lines(); !slices.Equal(got, tt.want) {
				t.Errorf("Lines() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLogTail_ConcurrentWrites(t *testing.T) {
	lt := NewLogTail(10)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 100 {
				fmt.Fprintf(lt, "writer %d line %d\n", i, j)
			}
		})
	}
	wg.Wait()
	if got := len(lt.Lines()); got != 10 {
		t.Errorf("len(Lines()) = %d, want 10", got)
	}
}
