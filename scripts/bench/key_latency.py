#!/usr/bin/env python3
"""Key-to-frame latency of the dashboard running in tmux: presses KEYS keys that
switch views ("1" topics, "2" groups, alternately) at irregular moments, and for
each times how long until the pane shows the other view's table header.
Prints one JSON line (milliseconds).

Each poll is one `tmux capture-pane` (a few ms), so a latency is measured to that
resolution and includes tmux's own delay in passing the key: an upper bound.

    key_latency.py TMUX_SOCKET KEYS
"""

import json
import random
import subprocess
import sys
import time

# A word only each view's table header has.
VIEWS = [("2", "MEMBERS"), ("1", "PARTS")]


def capture(sock):
    return subprocess.run(["tmux", "-L", sock, "capture-pane", "-p"],
                          capture_output=True, text=True, check=True).stdout


def press(sock, key, marker, timeout=10.0):
    start = time.monotonic()
    subprocess.run(["tmux", "-L", sock, "send-keys", key], check=True)
    while time.monotonic() - start < timeout:
        if marker in capture(sock):
            return (time.monotonic() - start) * 1000
    return None


def main():
    sock, n = sys.argv[1], int(sys.argv[2])
    random.seed(20)
    times, missed = [], 0
    for i in range(n):
        key, marker = VIEWS[i % 2]
        t = press(sock, key, marker)
        if t is None:
            missed += 1
        else:
            times.append(t)
        time.sleep(random.uniform(0.2, 1.2))
    times.sort()
    pick = lambda q: round(times[min(len(times) - 1, int(q * len(times)))], 1) if times else None
    print(json.dumps({"keys": n, "missed": missed, "p50_ms": pick(0.5),
                      "p90_ms": pick(0.9), "max_ms": round(times[-1], 1) if times else None}))


if __name__ == "__main__":
    main()
