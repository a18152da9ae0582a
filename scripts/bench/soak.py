#!/usr/bin/env python3
"""The churn soak (scripts/soak.sh): `kaftop serve --read-only` and the dashboard
(in tmux) watch a cluster while, every few seconds, members join and leave a
group, groups are created (one OffsetCommit) and deleted, topics are created and
deleted, and (with --restart-every) one broker is restarted in turn.

Checks, printed as one JSON line at the end (exit 1 when one fails):
- vanished_still_shown: a deleted group or topic still in /metrics once two
  refreshes have started after its deletion;
- errors_left: problems the last refresh reported after the churn stopped and
  the cluster had recovered (`kaftop_refresh_problems`), and a dashboard header
  that is not "● connected";
- with --check-memory: resident memory of each process grew by less than 5 MB
  from the end of the warm-up (a sixth of the run, at least 2 min) to the end.
RSS samples go to OUT/rss.csv every 15 s (the memory curve).
"""

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def log(msg):
    print(f"soak: {msg}", file=sys.stderr, flush=True)


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Serve:
    def __init__(self, kaftop, config, workdir):
        self.out = open(os.path.join(workdir, "serve.out"), "w+")
        self.proc = subprocess.Popen(
            [kaftop, "--config", config, "--read-only", "serve", "--listen", "127.0.0.1:0"],
            stdout=self.out, stderr=open(os.path.join(workdir, "serve.err"), "w"))
        deadline = time.monotonic() + 60
        self.addr = None
        while time.monotonic() < deadline and not self.addr:
            self.out.seek(0)
            m = re.search(r"listening on (\S+)", self.out.read())
            self.addr = m and m.group(1)
            time.sleep(0.1)
        if not self.addr:
            sys.exit("serve did not start")

    def metrics(self):
        with urllib.request.urlopen(f"http://{self.addr}/metrics", timeout=10) as r:
            return r.read().decode()

    def value(self, text, name):
        for line in text.splitlines():
            if line.split(" ")[0] == name:
                return float(line.split()[1])
        return None


class Tui:
    def __init__(self, kaftop, config):
        self.sock = f"kaftop-soak-{os.getpid()}"
        self.tmux("new-session", "-d", "-x", "200", "-y", "50",
                  f"exec env -u KAFTOP_CONFIG {kaftop} --config {config} --read-only")
        self.pid = int(self.tmux("list-panes", "-F", "#{pane_pid}").strip())

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True,
                              text=True, check=True).stdout

    def screen(self):
        return self.tmux("capture-pane", "-p")

    def stop(self):
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True)


class Churn:
    """Names of this run only; each step is one small change."""

    def __init__(self, bootstrap, prefix):
        self.bootstrap, self.prefix = bootstrap, prefix
        self.admin = AdminClient({"bootstrap.servers": bootstrap})
        self.n = 0
        self.groups, self.topics = [], []
        self.deleted = []  # (kind, name, refreshes_total at deletion)
        self.member = None
        self.base = f"{prefix}.base"
        self.create_topic(self.base)

    def create_topic(self, name):
        for f in self.admin.create_topics([NewTopic(name, 3)], request_timeout=30).values():
            f.result()

    def step(self, refreshes):
        self.n += 1
        k = self.n % 4
        try:
            if k == 0:
                name = f"{self.prefix}.g{self.n}"
                tps = [TopicPartition(self.base, p, 0) for p in range(3)]
                for f in self.admin.alter_consumer_group_offsets(
                        [ConsumerGroupTopicPartitions(name, tps)], request_timeout=30).values():
                    f.result()
                self.groups.append(name)
            elif k == 1 and len(self.groups) > 1:
                name = self.groups.pop(0)
                for f in self.admin.delete_consumer_groups([name], request_timeout=30).values():
                    f.result()
                self.deleted.append(("group", name, refreshes))
            elif k == 2:
                name = f"{self.prefix}.t{self.n}"
                self.create_topic(name)
                self.topics.append(name)
                if len(self.topics) > 1:
                    old = self.topics.pop(0)
                    for f in self.admin.delete_topics([old], request_timeout=30).values():
                        f.result()
                    self.deleted.append(("topic", old, refreshes))
            else:
                # A member joins (or, every other time, leaves) the members group.
                if self.member is None:
                    self.member = Consumer({"bootstrap.servers": self.bootstrap,
                                            "group.id": f"{self.prefix}.members",
                                            "session.timeout.ms": 6000})
                    self.member.subscribe([self.base])
                    self.member.poll(1.0)
                else:
                    self.member.close()
                    self.member = None
        except Exception as e:  # noqa: BLE001 - a broker restarting refuses some steps
            log(f"churn step {self.n} failed (retried later): {e}")

    def poll(self):
        if self.member is not None:
            self.member.poll(0)

    def finish(self, refreshes):
        if self.member is not None:
            self.member.close()
            self.member = None
        names = self.groups + [f"{self.prefix}.members"]
        for f in self.admin.delete_consumer_groups(names, request_timeout=30).values():
            try:
                f.result()
            except Exception:  # noqa: BLE001 - the members group may be gone already
                pass
        self.deleted.extend(("group", n, refreshes) for n in self.groups)
        names = self.topics + [self.base]
        for f in self.admin.delete_topics(names, request_timeout=30).values():
            f.result()
        self.deleted.extend(("topic", n, refreshes) for n in names)
        self.groups, self.topics = [], []


def shown(text, kind, name):
    return f'{kind}="{name}"' in text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kaftop", required=True)
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--interval", default="5s")
    ap.add_argument("--every", type=float, default=3, help="seconds between churn steps")
    ap.add_argument("--restart-every", type=float, default=0, help="minutes; 0: never")
    ap.add_argument("--broker-dir", help="the cluster's KAFTOP_BROKER_DIR (for restarts)")
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--check-memory", action="store_true")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="kaftop-soak-")
    out = a.out or work
    os.makedirs(out, exist_ok=True)
    config = os.path.join(work, "kaftop.toml")
    with open(config, "w") as f:
        f.write(f'default_profile = "soak"\ndata_dir = "{work}/data"\n'
                f'[profiles.soak]\nbootstrap_servers = "{a.bootstrap}"\npoll_interval = "{a.interval}"\n')
    prefix = f"soak-{os.getpid()}-{int(time.time())}"
    serve, tui = Serve(a.kaftop, config, work), Tui(a.kaftop, config)
    churn = Churn(a.bootstrap, prefix)
    started = time.monotonic()
    end = started + a.minutes * 60
    warm_until = started + max(120, a.minutes * 60 / 6)
    samples, warm = [], None
    vanished, restarts, next_sample = [], 0, started
    next_restart = started + a.restart_every * 60 if a.restart_every else None
    node = 1
    checked, appeared = set(), set()
    rss_file = open(os.path.join(out, "rss.csv"), "w", newline="")
    rss_csv = csv.writer(rss_file)
    rss_csv.writerow(["seconds", "serve_mb", "dashboard_mb"])
    try:
        while time.monotonic() < end:
            text = serve.metrics()
            refreshes = serve.value(text, "kaftop_refreshes_total") or 0
            churn.step(refreshes)
            # What is alive shows: the check of what vanished is not vacuous.
            for kind, names in (("group", churn.groups), ("topic", churn.topics)):
                appeared.update((kind, n) for n in names if shown(text, kind, n))
            for kind, name, at in churn.deleted:
                if (kind, name) not in checked and refreshes >= at + 2:
                    checked.add((kind, name))
                    if shown(text, kind, name):
                        vanished.append(f"{kind} {name}")
            now = time.monotonic()
            if now >= next_sample:
                row = [round(now - started), rss_mb(serve.proc.pid), rss_mb(tui.pid)]
                rss_csv.writerow(row)
                rss_file.flush()
                samples.append(row)
                if warm is None and now >= warm_until:
                    warm = row
                next_sample = now + 15
            if next_restart and now >= next_restart and a.broker_dir:
                node = node % a.nodes + 1
                log(f"restarting node {node}")
                env = dict(os.environ, KAFTOP_BROKER_DIR=a.broker_dir)
                script = os.path.join(os.path.dirname(__file__), "..", "test-broker.sh")
                subprocess.run([script, "stop-node", str(node)], env=env, check=True)
                subprocess.run([script, "start-node", str(node)], env=env, check=True)
                restarts += 1
                next_restart = time.monotonic() + a.restart_every * 60
            deadline = time.monotonic() + a.every
            while time.monotonic() < deadline:
                churn.poll()
                time.sleep(0.2)
        churn.finish(serve.value(serve.metrics(), "kaftop_refreshes_total") or 0)
        # Recovered: the last refresh reports no problem, the deleted names are gone.
        deadline = time.monotonic() + 180
        while True:
            text = serve.metrics()
            refreshes = serve.value(text, "kaftop_refreshes_total") or 0
            pending = [(k, n) for k, n, at in churn.deleted if (k, n) not in checked and refreshes < at + 2]
            problems = serve.value(text, "kaftop_refresh_problems")
            if not pending and problems == 0:
                break
            if time.monotonic() > deadline:
                break
            time.sleep(1)
        for kind, name, _ in churn.deleted:
            if (kind, name) not in checked and shown(text, kind, name):
                vanished.append(f"{kind} {name}")
        header = tui.screen().splitlines()[0]
        end_row = [round(time.monotonic() - started), rss_mb(serve.proc.pid), rss_mb(tui.pid)]
        rss_csv.writerow(end_row)
    finally:
        tui.stop()
        serve.proc.terminate()
        serve.proc.wait(30)
        rss_file.close()
        shutil.rmtree(os.path.join(work, "data"), ignore_errors=True)
    errors_left = int(problems or 0) + (0 if "● connected" in header else 1)
    growth = None
    if warm is not None:
        growth = {"serve_mb": round(end_row[1] - warm[1], 1), "dashboard_mb": round(end_row[2] - warm[2], 1)}
    result = {
        "minutes": a.minutes,
        "refreshes": int(refreshes),
        "churn_steps": churn.n,
        "deleted_groups": sum(1 for k, _, _ in churn.deleted if k == "group"),
        "deleted_topics": sum(1 for k, _, _ in churn.deleted if k == "topic"),
        "deleted_seen_first": sum(1 for k, n, _ in churn.deleted if (k, n) in appeared),
        "restarts": restarts,
        "vanished_still_shown": len(vanished),
        "errors_left": errors_left,
        "header": header.strip(),
        "rss_end_mb": {"serve": end_row[1], "dashboard": end_row[2]},
        "growth_after_warmup_mb": growth,
        "rss_csv": os.path.join(out, "rss.csv"),
    }
    print(json.dumps(result), flush=True)
    for v in vanished[:10]:
        log(f"still shown after two refreshes: {v}")
    ok = not vanished and errors_left == 0
    if a.check_memory and growth is not None:
        ok = ok and growth["serve_mb"] < 5 and growth["dashboard_mb"] < 5
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
