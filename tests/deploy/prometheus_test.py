#!/usr/bin/env python3
"""End-to-end check of itlfleet's Prometheus export and of deploy/.

Starts Debian's prometheus on loopback with deploy/prometheus/prometheus.yml
(its target rewritten to a port chosen here), scrapes a paced
`itlfleet run --metrics`, and asserts through Prometheus's HTTP API that:
  - at every scrape the phones by state sum to the fleet of summary.json;
  - the final locked, trusted and unrecoverable counts (fleet and per group)
    and the event totals equal summary.json's;
  - every PromQL expression of the Grafana dashboard and of the alert rules
    evaluates without error and returns data over the run;
  - the alerts fire in this run (phones lock, ITLRecovery not backed up).
Also: `promtool check config|rules`, `promtool test rules`, `promtool check
metrics` on a scrape of the paced run and on one of a live run (real sockets,
in-process servers, so the live-only series are there too), and a push to
prometheus-pushgateway read back.

Loopback only; every wait is bounded; every process started here is killed
at the end, on failure too. Exit 77 (ctest SKIP_RETURN_CODE) when
prometheus, promtool or prometheus-pushgateway is not installed.

usage: prometheus_test.py --itlfleet BIN --source DIR
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

SCENARIO = "pre-10-itl"  # locks, stale, unrecoverable, recovered, backup alert; two groups
PHONES = 1000
SEED = 42
PACE = 60  # one scenario minute per wall second: the 60-minute scenario plays in 60 s
LINGER_S = 10
# The live run: real TFTP and TVS over loopback, a 60-minute scenario in about 11 s.
LIVE_SCENARIO = "double-regen-recovery"
LIVE_PHONES = 20
LIVE_TIME_SCALE = 0.003
STATES = ["offline", "booting", "trusted", "locked", "no_itl", "unreachable", "config_rejected"]

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from test_process import die_with_parent, reporter  # noqa: E402

children = []
log, fail = reporter("prometheus_test")


def start(name, argv, logdir):
    out = open(os.path.join(logdir, name + ".log"), "wb")
    log("start " + " ".join(argv))
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    p.log_path = out.name
    children.append(p)
    return p


def stop_all():
    for p in children:
        if p.poll() is None:
            p.terminate()
    deadline = time.monotonic() + 5
    for p in children:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def free_port():
    """A port free now. Another process may take it before our server binds
    it: start servers with start_on_free_port, which tries another then."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(proc, url, what, timeout_s):
    """True once `url` answers; False if `proc` exits first (it could not
    listen: its port was taken); fails after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            http_get(url, timeout=2)
            return True
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    fail(f"{what} did not answer {url} within {timeout_s} s")


def start_on_free_port(name, argv_for, ready_path, logdir, timeout_s, before_start=None,
                       first_port=None):
    """Starts `name` (argv_for(port)) on a port found free (first_port first),
    and again on another one when it exits before answering
    http://127.0.0.1:PORT/ready_path (a process took the port between our
    probe and its bind). `before_start(port)` runs before each start.
    Returns (process, port)."""
    for attempt in range(5):
        port = first_port if attempt == 0 and first_port else free_port()
        if before_start:
            before_start(port)
        proc = start(name, argv_for(port), logdir)
        if answers(proc, f"http://127.0.0.1:{port}{ready_path}", name, timeout_s):
            return proc, port
        log(f"{name} exited before answering on port {port} (taken?): another port")
    fail(f"{name} could not listen on any of 5 ports")


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


class Prom:
    def __init__(self, base):
        self.base = base

    def api(self, path, **params):
        url = f"{self.base}/api/v1/{path}?" + urllib.parse.urlencode(params)
        try:
            body = json.loads(http_get(url, timeout=15))
        except urllib.error.HTTPError as e:
            body = json.loads(e.read().decode() or "{}")
        if body.get("status") != "success":
            raise RuntimeError(f"{body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def instant(self, expr, at):
        return self.api("query", query=expr, time=f"{at:.3f}")["result"]

    def scalar(self, expr, at):
        r = self.instant(expr, at)
        if len(r) != 1:
            fail(f"{expr} at {at}: expected one series, got {r}")
        return float(r[0]["value"][1])

    def range(self, expr, start, end, step="1s"):
        return self.api("query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}",
                        step=step)["result"]


def run(argv, timeout_s, **kw):
    log("run " + " ".join(argv))
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s,
                       preexec_fn=die_with_parent, **kw)
    if r.returncode != 0:
        fail(f"{argv[0]} exited {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r


def promtool_checks(rules_dir, work):
    run(["promtool", "check", "config", "prometheus.yml"], 60, cwd=rules_dir)
    run(["promtool", "check", "rules", "itlfleet-rules.yml"], 60, cwd=rules_dir)
    out = run(["promtool", "test", "rules", "itlfleet-rules.test.yml"], 60, cwd=rules_dir)
    if "SUCCESS" not in out.stdout:
        fail("promtool test rules: no SUCCESS\n" + out.stdout)
    log("promtool check config, check rules, test rules: ok")


def expressions(source):
    """Every PromQL expression of the dashboard and the rules, with Grafana's
    variables replaced by what a user selecting every job would send."""
    exprs = []
    with open(os.path.join(source, "deploy/grafana/itlfleet-dashboard.json")) as f:
        dash = json.load(f)
    for p in dash["panels"]:
        for t in p.get("targets", []):
            exprs.append((f"dashboard panel '{p['title']}'", t["expr"]))
    for a in dash["annotations"]["list"]:
        if "expr" in a:
            exprs.append((f"dashboard annotation '{a['name']}'", a["expr"]))
    # The rules file is YAML; its exprs are one `expr: ...` line or a folded
    # block (`expr: >-` then indented lines). No YAML module needed.
    with open(os.path.join(source, "deploy/prometheus/itlfleet-rules.yml")) as f:
        lines = f.read().splitlines()
    alert = None
    i = 0
    while i < len(lines):
        m = re.match(r"\s*- alert: (\S+)", lines[i])
        if m:
            alert = m.group(1)
        m = re.match(r"(\s*)expr: (.*)", lines[i])
        if m:
            indent, rest = len(m.group(1)), m.group(2).strip()
            if rest in (">-", ">", "|", "|-"):
                block = []
                i += 1
                while i < len(lines) and (not lines[i].strip() or
                                          len(lines[i]) - len(lines[i].lstrip()) > indent):
                    block.append(lines[i].strip())
                    i += 1
                rest = " ".join(b for b in block if b)
                i -= 1
            exprs.append((f"rule {alert}", rest))
        i += 1
    subst = {"$__rate_interval": "5s", "$__interval": "1s", "$job": ".+"}
    out = []
    for where, e in exprs:
        for k, v in subst.items():
            e = e.replace(k, v)
        out.append((where, e))
    if len([w for w, _ in out if w.startswith("rule")]) < 4:
        fail("fewer than 4 rule expressions found in itlfleet-rules.yml")
    return out


def check_scrape_format(metrics_port, work):
    text = http_get(f"http://127.0.0.1:{metrics_port}/metrics")
    promtool_check_metrics(text, os.path.join(work, "scrape.txt"), "a scrape")
    if "itlfleet_phones{" not in text:
        fail("the scrape holds no itlfleet_phones series")
    log(f"promtool check metrics on a paced run's scrape ({len(text)} bytes): ok")


def promtool_check_metrics(text, path, what):
    with open(path, "w") as f:
        f.write(text)
    with open(path) as f:
        r = subprocess.run(["promtool", "check", "metrics"], stdin=f, capture_output=True,
                           text=True, timeout=60, preexec_fn=die_with_parent)
    if r.returncode != 0:
        fail(f"promtool check metrics on {what}:\n{r.stdout}{r.stderr}")


def metrics_port_of(proc, timeout_s):
    """The port itlfleet picked for `--metrics 127.0.0.1:0`, from its log."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with open(proc.log_path) as f:
            m = re.search(r"serving Prometheus metrics on \S+ \(port (\d+)\)", f.read())
        if m:
            return int(m.group(1))
        if proc.poll() is not None:
            fail(f"itlfleet exited {proc.returncode}; log: {open(proc.log_path).read()}")
        time.sleep(0.1)
    fail(f"itlfleet did not say its metrics port within {timeout_s} s")


def check_live_scrape(args, work):
    """A live run's final scrape passes `promtool check metrics`: the port is
    the one itlfleet picked itself (port 0), so no other process can take it."""
    proc = start("itlfleet-live", [args.itlfleet, "run", LIVE_SCENARIO, "--engine", "live",
                                   "--phones", str(LIVE_PHONES), "--time-scale",
                                   str(LIVE_TIME_SCALE), "--metrics", "127.0.0.1:0",
                                   "--linger", "60s", "--out", os.path.join(work, "live"), "-q"],
                 work)
    port = metrics_port_of(proc, 20)
    url = f"http://127.0.0.1:{port}/metrics"
    deadline = time.monotonic() + 3600 * LIVE_TIME_SCALE + 60
    text = ""
    while time.monotonic() < deadline:
        text = http_get(url)
        if re.search(r"^itlfleet_run_complete 1$", text, re.M):
            break
        if proc.poll() is not None:
            fail(f"itlfleet exited {proc.returncode}; log: {open(proc.log_path).read()}")
        time.sleep(0.5)
    else:
        fail("the live run did not complete in time")
    proc.terminate()
    proc.wait(timeout=10)
    promtool_check_metrics(text, os.path.join(work, "live-scrape.txt"), "a live run's scrape")
    for series in ("itlfleet_server_transfers_limit{", "itlfleet_server_transfers_active{",
                   "itlfleet_download_seconds_count"):
        if series not in text:
            fail(f"the live scrape holds no {series}")
    # The scenario's regenerated CallManager sends every phone to TVS.
    m = re.search(r"^itlfleet_tvs_query_seconds_count (\S+)$", text, re.M)
    if not m or float(m.group(1)) <= 0:
        fail("the live run timed no TVS exchange (itlfleet_tvs_query_seconds_count)")
    log(f"promtool check metrics on a live run's scrape ({len(text)} bytes): ok")


def check_states_sum_at_every_scrape(prom, t0, t1, fleet, groups):
    window = int(t1 - t0) + 30
    series = prom.instant(f"itlfleet_phones[{window}s]", t1)
    expected = len(groups) * len(STATES)
    if len(series) != expected:
        fail(f"expected {expected} itlfleet_phones series, got {len(series)}")
    by_time = {}
    for s in series:
        for ts, v in s["values"]:
            n, total = by_time.get(ts, (0, 0.0))
            by_time[ts] = (n + 1, total + float(v))
    if len(by_time) < 30:
        fail(f"only {len(by_time)} scrapes of the run; expected at least 30")
    for ts, (n, total) in sorted(by_time.items()):
        if n != expected or total != fleet:
            fail(f"scrape at {ts}: {n} series summing to {total}, expected {expected} "
                 f"series summing to {fleet}")
    log(f"states sum to the fleet ({fleet}) at every one of {len(by_time)} scrapes: ok")


def check_final_figures(prom, at, summary):
    final = summary["final"]
    for state in ("locked", "trusted"):
        got = prom.scalar(f'sum(itlfleet_phones{{state="{state}"}})', at)
        if got != final[state]:
            fail(f"final {state}: Prometheus {got}, summary.json {final[state]}")
    for name in ("unrecoverable", "stale", "recovered", "ever_locked"):
        got = prom.scalar(f"sum(itlfleet_phones_{name})", at)
        if got != final[name]:
            fail(f"final {name}: Prometheus {got}, summary.json {final[name]}")
    for g in summary["groups"]:
        for state in ("locked", "trusted"):
            got = prom.scalar(f'sum(itlfleet_phones{{group="{g["name"]}",state="{state}"}})', at)
            if got != g[state]:
                fail(f"group {g['name']} {state}: Prometheus {got}, summary.json {g[state]}")
        got = prom.scalar(f'sum(itlfleet_phones_unrecoverable{{group="{g["name"]}"}})', at)
        if got != g["unrecoverable"]:
            fail(f"group {g['name']} unrecoverable: Prometheus {got}, summary {g['unrecoverable']}")
    ev = summary["events"]
    pairs = {
        "itlfleet_boots_total": ev["boots"],
        'itlfleet_tftp_requests_total{result="served"}': ev["files_served"],
        'itlfleet_tftp_requests_total{result="refused"}': ev["tftp_refusals"],
        "itlfleet_tvs_queries_total": ev["tvs_queries"],
        "itlfleet_tvs_queries_failed_total": ev["tvs_failures"],
        "itlfleet_backup_alerts_total": ev["backup_alerts"],
        "itlfleet_tftp_served_bytes_total": ev["bytes_served"],
    }
    for expr, want in pairs.items():
        got = prom.scalar(expr, at)
        if got != want:
            fail(f"{expr}: Prometheus {got}, summary.json {want}")
    log(f"final figures equal summary.json: locked {final['locked']}, trusted "
        f"{final['trusted']}, unrecoverable {final['unrecoverable']}, per group and event totals")


def check_expressions(prom, exprs, t0, t1):
    bad = []
    for where, e in exprs:
        try:
            r = prom.range(e, t0, t1)
        except RuntimeError as err:
            bad.append(f"{where}: {e}\n    error: {err}")
            continue
        # The paced scenario (pre-10-itl) never rejects a config: a rule on
        # that state must evaluate, and promtool's unit test shows it firing.
        if 'state="config_rejected"' in e:
            continue
        if not r or not any(s.get("values") for s in r):
            bad.append(f"{where}: {e}\n    returned nothing over the run")
    if bad:
        fail("PromQL expressions that failed:\n  " + "\n  ".join(bad))
    log(f"all {len(exprs)} PromQL expressions of the dashboard and rules return data: ok")


def check_alerts_fired(prom, t0, t1):
    for alert in ("ItlfleetPhonesLocked", "ItlfleetPhonesUnrecoverable",
                  "ItlfleetItlRecoveryNotBackedUp"):
        r = prom.range(f'ALERTS{{alertname="{alert}",alertstate="firing"}}', t0, t1)
        if not r:
            fail(f"alert {alert} never fired during the run")
    log("alerts fired during the run: phones locked, unrecoverable, ITLRecovery not backed up")


def check_pushgateway(args, work, summary):
    # In memory only: Debian's default persistence file is shared by every
    # Pushgateway started on this machine, and would bring other runs' groups.
    _, port = start_on_free_port(
        "pushgateway", lambda p: ["prometheus-pushgateway", f"--web.listen-address=127.0.0.1:{p}",
                   "--persistence.file="],
        "/-/ready", work, 20)
    run([args.itlfleet, "run", SCENARIO, "--phones", str(PHONES), "--seed", str(SEED), "-q",
         "--pushgateway", f"http://127.0.0.1:{port}"], 120)
    groups = json.loads(http_get(f"http://127.0.0.1:{port}/api/v1/metrics"))["data"]
    group = [g for g in groups if g["labels"].get("job") == "itlfleet" and
             g["labels"].get("scenario") == SCENARIO]
    if len(group) != 1:
        fail(f"pushgateway: expected one group job=itlfleet,scenario={SCENARIO}, got {groups}")
    text = http_get(f"http://127.0.0.1:{port}/metrics")
    sums = {}
    for line in text.splitlines():
        m = re.match(r"(itlfleet_phones(?:_unrecoverable)?)\{([^}]*)\} (\S+)$", line)
        if not m or f'scenario="{SCENARIO}"' not in m.group(2) or 'job="itlfleet"' not in m.group(2):
            continue
        st = re.search(r'state="(\w+)"', m.group(2))
        key = st.group(1) if st else "unrecoverable"
        sums[key] = sums.get(key, 0) + float(m.group(3))
    final = summary["final"]
    for key in ("locked", "trusted", "unrecoverable"):
        if sums.get(key) != final[key]:
            fail(f"pushgateway {key}: read back {sums.get(key)}, summary.json {final[key]}")
    if sum(sums.get(s, 0) for s in STATES) != summary["phones"]:
        fail(f"pushgateway: states sum to {sum(sums.get(s, 0) for s in STATES)}")
    if not re.search(r'itlfleet_run_complete\{[^}]*job="itlfleet"[^}]*\} 1', text):
        fail("pushgateway: itlfleet_run_complete is not 1")
    log(f"pushgateway read back: locked {sums['locked']}, trusted {sums['trusted']}, "
        f"unrecoverable {sums['unrecoverable']}: ok")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--itlfleet", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    missing = [b for b in ("prometheus", "promtool", "prometheus-pushgateway")
               if shutil.which(b) is None]
    if missing:
        print("SKIP: not installed: " + ", ".join(missing) +
              " (Debian packages prometheus, prometheus-pushgateway)")
        return 77
    # A SIGTERM (ctest) must still run the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    rules_dir = os.path.join(args.source, "deploy/prometheus")
    work = tempfile.mkdtemp(prefix="itlfleet-prom-")
    try:
        promtool_checks(rules_dir, work)
        check_live_scrape(args, work)
        exprs = expressions(args.source)

        # Prometheus with the shipped configuration, its target on our port.
        with open(os.path.join(rules_dir, "prometheus.yml")) as f:
            config = f.read()
        if "127.0.0.1:9464" not in config:
            fail("deploy/prometheus/prometheus.yml no longer targets 127.0.0.1:9464")
        shutil.copy(os.path.join(rules_dir, "itlfleet-rules.yml"), work)
        prom_proc = None

        targeted = [free_port()]

        def target(port):
            """Points Prometheus at itlfleet's port (reloading it when it runs)."""
            with open(os.path.join(work, "prometheus.yml"), "w") as f:
                f.write(config.replace("127.0.0.1:9464", f"127.0.0.1:{port}"))
            if prom_proc is not None and port != targeted[0]:
                prom_proc.send_signal(signal.SIGHUP)
            targeted[0] = port

        target(targeted[0])
        prom_proc, prom_port = start_on_free_port(
            "prometheus", lambda p: ["prometheus", f"--config.file={work}/prometheus.yml",
                                     f"--storage.tsdb.path={work}/tsdb",
                                     f"--web.listen-address=127.0.0.1:{p}"], "/-/ready", work, 30)
        prom = Prom(f"http://127.0.0.1:{prom_port}")

        out = os.path.join(work, "paced")
        t0 = time.time()
        itl, metrics_port = start_on_free_port(
            "itlfleet", lambda p: [args.itlfleet, "run", SCENARIO, "--phones", str(PHONES),
                                   "--seed", str(SEED), "--pace", str(PACE), "--metrics",
                                   f"127.0.0.1:{p}", "--linger", f"{LINGER_S}s",
                                   "--out", out, "-q"], "/metrics", work, 20, before_start=target,
            first_port=targeted[0])
        time.sleep(3)
        check_scrape_format(metrics_port, work)

        # The run is over (and its files written) once Prometheus has scraped
        # itlfleet_run_complete 1; it lingers LINGER_S seconds after that.
        deadline = time.monotonic() + 3600 / PACE + 60
        t1 = None
        while time.monotonic() < deadline and t1 is None:
            if itl.poll() is not None and itl.returncode not in (0,):
                fail(f"itlfleet exited {itl.returncode}; log: {open(itl.log_path).read()}")
            r = prom.instant("itlfleet_run_complete == 1", time.time())
            if r:
                t1 = time.time()
            else:
                time.sleep(0.5)
        if t1 is None:
            fail("Prometheus never scraped itlfleet_run_complete 1")
        try:
            rc = itl.wait(timeout=LINGER_S + 30)
        except subprocess.TimeoutExpired:
            fail("itlfleet did not exit after --linger")
        if rc != 0:
            fail(f"itlfleet exited {rc}; log: {open(itl.log_path).read()}")
        log(f"paced run: {t1 - t0:.1f} s of wall time")

        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
        groups = summary["groups"]
        check_states_sum_at_every_scrape(prom, t0, t1, summary["phones"], groups)
        check_final_figures(prom, t1, summary)
        check_expressions(prom, exprs, t0, t1)
        check_alerts_fired(prom, t0, t1)
        check_pushgateway(args, work, summary)
        log("PASS")
        return 0
    finally:
        stop_all()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
