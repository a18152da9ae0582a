-- wrk script for `scripts/bench-serve.sh message-created`: POSTs the seed's
-- message-created request, each with a messageId no other request of the run
-- (nor, within a day, of an earlier run) uses, so no consumer deduplicates it.

local threads = {}
local counter = 0
-- Run prefix: seconds of the day, so two runs do not reuse ids.
local run = os.time() % 86400

function setup(thread)
    thread:set("thread_id", #threads)
    table.insert(threads, thread)
end

function init(args)
    -- Set by setup() in this thread's own Lua state.
    thread_id = thread_id or 0
end

function request()
    counter = counter + 1
    local id = run * 1e9 + thread_id * 1e8 + counter
    local path = string.format(
        "/api/kafka-test/message-created?messageId=%d&senderId=100&receiverId=200&content=HelloKafka",
        id)
    return wrk.format("POST", path)
end

function done(summary, latency, requests)
    io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d p50_us=%d p99_us=%d max_us=%d\n",
        summary.requests, summary.duration,
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
        summary.errors.status, latency:percentile(50), latency:percentile(99), latency.max))
end
