#!/usr/bin/env python3
"""Demo benchmark (BENCHMARKS.md, "Demo"): for each traffic rate, run
`kaftop demo` in tmux and measure
  - time from launch to the first frame, and to the first full frame (topics with
    data and a measured rate on screen);
  - key-to-frame latency while the demo runs (switch views, wait for the screen);
  - CPU use of the process and the rates it shows;
then `kaftop demo --headless` at the same rate: events produced per second and
whether every event was accounted for.

    scripts/bench/demo_measure.py [RATE ...]      # default: 50 500 2000 5000
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BIN = "target/release/kaftop"
SOCK = f"kaftop-demo-bench-{os.getpid()}"


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCK, *args], capture_output=True, text=True)


def screen():
    return tmux("capture-pane", "-p", "-t", "demo").stdout


def wait(pred, timeout=60.0, step=0.01):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s = screen()
        if pred(s):
            return time.monotonic()
        time.sleep(step)
    raise SystemExit(f"timed out; screen:\n{screen()}")


def row_cells(s, name):
    for line in s.splitlines():
        cells = line.strip("│ ").split()
        if cells and cells[0].strip("│") == name:
            return cells
    return None


def number(cell):
    """A count as the dashboard prints it: 101,478 or 1.5k or 2.1M."""
    cell = cell.replace(",", "")
    scale = {"k": 1e3, "M": 1e6}.get(cell[-1:], 1)
    return float(cell.rstrip("kM")) * scale


def full_frame(s):
    cells = row_cells(s, "message.created")
    try:
        return cells is not None and number(cells[3]) > 0 and number(cells[4]) > 0
    except (ValueError, IndexError):
        return False


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tui_run(rate):
    data = tempfile.mkdtemp(prefix="kaftop-demo-bench-")
    t0 = time.monotonic()
    tmux("new-session", "-d", "-s", "demo", "-x", "150", "-y", "40",
         f"exec {BIN} --data-dir {data} demo --rate {rate}")
    first = wait(lambda s: "Topics (" in s) - t0
    full = wait(full_frame) - t0
    pid = int(tmux("display-message", "-p", "-t", "demo", "#{pane_pid}").stdout.strip())
    time.sleep(15)
    # Key-to-frame latency: alternate views and wait for each to be drawn.
    lat = []
    for _ in range(5):
        for key, needle in (("2", "Consumer groups ("), ("1", "Topics (")):
            t = time.monotonic()
            tmux("send-keys", "-t", "demo", key)
            lat.append(wait(lambda s: needle in s, step=0.002) - t)
    c0, w0 = cpu_seconds(pid), time.monotonic()
    time.sleep(10)
    cpu = (cpu_seconds(pid) - c0) / (time.monotonic() - w0) * 100
    s = screen()
    shown = {t: row_cells(s, t)[4] for t in ("message.created", "message.read", "message.deleted")}
    tmux("send-keys", "-t", "demo", "q")
    time.sleep(3)
    tmux("kill-server")
    return {
        "first_frame_ms": round(first * 1000),
        "first_full_frame_ms": round(full * 1000),
        "key_to_frame_ms_median": round(statistics.median(lat) * 1000, 1),
        "key_to_frame_ms_max": round(max(lat) * 1000, 1),
        "cpu_percent": round(cpu, 1),
        "msg_per_s_shown": shown,
    }


def headless_run(rate, seconds=20):
    with tempfile.TemporaryDirectory() as data:
        out = subprocess.run(
            [BIN, "--data-dir", data, "demo", "--headless", "--duration", f"{seconds}s",
             "--rate", str(rate), "--json"],
            capture_output=True, text=True)
    s = json.loads(out.stdout.strip().splitlines()[-1])
    produced = sum(t["events"] + t["poison"] for t in s["produced"])
    return {
        "produced_per_s": round(produced / seconds),
        "all_accounted": out.returncode == 0,
        "drained": s["drained"],
    }


def main():
    rates = [float(r) for r in sys.argv[1:]] or [50, 500, 2000, 5000]
    subprocess.run(["cargo", "build", "--release", "--locked", "--bin", "kaftop"], check=True)
    for rate in rates:
        result = {"rate": rate, **tui_run(rate), **headless_run(rate)}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
