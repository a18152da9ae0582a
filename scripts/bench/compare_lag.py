#!/usr/bin/env python3
"""Compares every row of `kafka-consumer-groups --describe --all-groups` (its
text table) with `kaftop lag --json`: group, topic, partition, current offset,
log-end offset and lag (kaftop's unclamped `raw_lag`). Prints one JSON line; exits 1 on any difference.

    compare_lag.py TOOL_OUTPUT KAFTOP_JSON
"""

import json
import sys


def num(s):
    return None if s == "-" else int(s)


def tool_rows(path):
    rows = {}
    with open(path) as f:
        for line in f:
            cols = line.split()
            if len(cols) < 6 or cols[0] == "GROUP" or not cols[2].isdigit():
                continue
            key = (cols[0], cols[1], int(cols[2]))
            rows[key] = (num(cols[3]), num(cols[4]), num(cols[5]))
    return rows


def kaftop_rows(path):
    with open(path) as f:
        data = json.load(f)
    rows = {}
    for r in data:
        # The tool prints partitions the group committed to or is assigned.
        if r["current_offset"] is None and r["consumer_id"] is None:
            continue
        key = (r["group"], r["topic"], r["partition"])
        # The tool prints log end − current offset as it is, negative when the
        # offset was committed past the log end; kaftop's `lag` is clamped at 0
        # and `raw_lag` is that same difference.
        rows[key] = (r["current_offset"], r["log_end_offset"], r["raw_lag"])
    return rows


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tool, kaftop = tool_rows(sys.argv[1]), kaftop_rows(sys.argv[2])
    only_tool = sorted(set(tool) - set(kaftop))
    only_kaftop = sorted(set(kaftop) - set(tool))
    differ = sorted(k for k in set(tool) & set(kaftop) if tool[k] != kaftop[k])
    result = {
        "tool_rows": len(tool),
        "kaftop_rows": len(kaftop),
        "groups": len({k[0] for k in tool}),
        "equal": len(set(tool) & set(kaftop)) - len(differ),
        "only_tool": len(only_tool),
        "only_kaftop": len(only_kaftop),
        "differ": len(differ),
    }
    print(json.dumps(result))
    for k in (only_tool + only_kaftop + differ)[:10]:
        print(f"  {k}: tool {tool.get(k)} kaftop {kaftop.get(k)}", file=sys.stderr)
    sys.exit(0 if not (only_tool or only_kaftop or differ) and tool else 1)


if __name__ == "__main__":
    main()
