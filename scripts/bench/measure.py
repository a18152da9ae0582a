#!/usr/bin/env python3
"""Run a command and print one JSON line: wall time and the CPU time (user, sys)
and peak RSS of the command's process tree, plus its last stdout line if that
line is JSON.

    measure.py -- kaftop bulk --count 100000 --json
"""

import json
import resource
import subprocess
import sys
import time


def main():
    argv = sys.argv[1:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        sys.exit("usage: measure.py -- COMMAND [ARGS...]")
    start = time.monotonic()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, text=True)
    wall = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "command": argv[0].rsplit("/", 1)[-1],
        "exit_code": proc.returncode,
        "wall_s": round(wall, 3),
        "cpu_user_s": round(usage.ru_utime, 3),
        "cpu_sys_s": round(usage.ru_stime, 3),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }
    lines = proc.stdout.strip().splitlines()
    if lines:
        try:
            result["output"] = json.loads(lines[-1])
        except json.JSONDecodeError:
            result["output"] = lines[-1]
    print(json.dumps(result))
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
