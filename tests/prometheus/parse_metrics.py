"""Parses a /metrics body from stdin with the official Prometheus client's parser
and prints its samples as JSON: [{"name", "labels", "value"}, ...].

    parse_metrics.py prometheus    # text format 0.0.4
    parse_metrics.py openmetrics   # OpenMetrics 1.0 text

Fails (exit 1, the parser's message on stderr) on anything the parser rejects.
"""

import json
import math
import sys

from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families


def main() -> None:
    fmt = sys.argv[1] if len(sys.argv) > 1 else "prometheus"
    parse = openmetrics_families if fmt == "openmetrics" else text_string_to_metric_families
    text = sys.stdin.read()
    samples = []
    for family in parse(text):
        for s in family.samples:
            value = None if math.isnan(s.value) else s.value
            samples.append(
                {"family": family.name, "type": family.type, "name": s.name,
                 "labels": s.labels, "value": value}
            )
    json.dump(samples, sys.stdout)


if __name__ == "__main__":
    main()
