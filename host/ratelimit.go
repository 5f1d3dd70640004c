package host

import (
	"math"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// rateLimiter gives every API key its own token bucket, so that one client
// flooding the service is slowed down while the others are served.
type rateLimiter struct {
	mu      sync.Mutex
	buckets *lru.Cache[string, *rate.Limiter] // by key id; the least used are forgotten
	limit   rate.Limit
	burst   int
}

// newRateLimiter returns a limiter of perSecond requests per key with the
// given burst, or nil (no limit) when perSecond is 0.
func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	if perSecond <= 0 {
		return nil
	}
	buckets, _ := lru.New[string, *rate.Limiter](100000)
	return &rateLimiter{buckets: buckets, limit: rate.Limit(perSecond), burst: burst}
}

// allow takes a token of keyID's bucket. When none is left it returns false
// and how long until one is.
func (l *rateLimiter) allow(keyID string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	bucket, ok := l.buckets.Get(keyID)
	if !ok {
		bucket = rate.NewLimiter(l.limit, l.burst)
		l.buckets.Add(keyID, bucket)
	}
	l.mu.Unlock()

	r := bucket.ReserveN(now, 1)
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		return false, delay
	}
	return true, 0
}

// retryAfter renders a wait as whole seconds for the Retry-After header.
func retryAfter(d time.Duration) int {
	return int(math.Max(1, math.Ceil(d.Seconds())))
}
