-- wrk script for `scripts/bench-serve.sh metrics`: GET /metrics, and one summary
-- line the script reads.
wrk.path = "/metrics"

function done(summary, latency, requests)
    io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d p50_us=%d p99_us=%d max_us=%d bytes=%d\n",
        summary.requests, summary.duration,
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
        summary.errors.status, latency:percentile(50), latency:percentile(99), latency.max, summary.bytes))
end
