#!/usr/bin/env python3
"""Soak check of a live run: scrapes its --metrics while it runs, then judges it.

Runs `itlfleet run SCENARIO --engine live --metrics 127.0.0.1:0` (the port
is the one itlfleet picked and logged, so no other process can take it),
scrapes /metrics about once a second until the run exits, and checks:
  - at every scrape, itlfleet_phones summed over every label adds up to the
    fleet (a scrape before the first sample, with no phone series yet, is
    counted apart);
  - nothing is counted `unreachable` that the server could have served: at
    every scrape the unreachable phones are at most the requests the server
    refused (past its Maximum Serving Count), let time out or answered with
    a protocol error so far (a phone gives up only after tftp_attempts of
    those), none at the end, and what the load generator could not send is
    counted under load_generator, never as a phone state;
  - `--sigint-after S`: SIGINT S seconds into the run; itlfleet must exit
    with 130 within --max-stop-seconds and summary.json must say the run was
    interrupted, with the phones at that moment adding up to the fleet.
Prints one JSON object with the figures (scrapes, mismatches, wall times,
summary.json's counts); exit 0 when every check holds, 1 otherwise.

Runs `baseline`: the same scenario without its `restart tftp` line and
without --loss (the house rule: a figure next to a baseline of the same run).

Loopback only; every wait is bounded; the child is killed on failure.

usage: soak_live.py --itlfleet BIN --scenario YAML --phones N --time-scale S
                    --loss P --out DIR [--baseline] [--sigint-after S]
"""

import argparse
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

STATES = ["offline", "booting", "trusted", "locked", "no_itl", "unreachable", "config_rejected"]
PHONES_LINE = re.compile(r'^itlfleet_phones\{([^}]*)\} (\S+)$')
TIME_LINE = re.compile(r'^itlfleet_scenario_time_seconds(?:\{\})? (\S+)$')
# Server-side failures a phone may have met: refusals, timeouts, protocol errors.
FAILURE_LINE = re.compile(
    r'^(?:itlfleet_tftp_requests_total\{[^}]*result="(?:refused|timed_out)"[^}]*\}'
    r'|itlfleet_protocol_errors_total\{[^}]*\}) (\S+)$')
LIMIT_LINE = re.compile(r'^itlfleet_load_generator_limits_total\{[^}]*\} (\S+)$')


def log(msg):
    print(f"[soak] {msg}", file=sys.stderr, flush=True)


def die_with_parent():
    """preexec_fn: the run gets SIGKILL if this process dies first."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def parse_scrape(text):
    """(sum of itlfleet_phones or None, {state: count}, scenario time or None,
    server-side failures so far, load generator limits so far)."""
    total, by_state, sim_time, series, failures, limits = 0, {}, None, 0, 0, 0
    for line in text.splitlines():
        m = FAILURE_LINE.match(line)
        if m:
            failures += float(m.group(1))
            continue
        m = LIMIT_LINE.match(line)
        if m:
            limits += float(m.group(1))
            continue
        m = PHONES_LINE.match(line)
        if m:
            series += 1
            value = float(m.group(2))
            total += value
            state = re.search(r'state="([^"]*)"', m.group(1))
            if state:
                by_state[state.group(1)] = by_state.get(state.group(1), 0) + value
            continue
        m = TIME_LINE.match(line)
        if m:
            sim_time = float(m.group(1))
    return (total if series else None), by_state, sim_time, failures, limits


def metrics_port(stderr_path, proc, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with open(stderr_path, errors="replace") as f:
            m = re.search(r"serving Prometheus metrics on \S+ \(port (\d+)\)", f.read())
        if m:
            return int(m.group(1))
        if proc.poll() is not None:
            return None
        time.sleep(0.1)
    return None


def baseline_yaml(scenario, into):
    """The scenario without its `restart tftp` lines."""
    with open(scenario) as f:
        lines = [l for l in f if "restart tftp" not in l]
    with open(into, "w") as f:
        f.writelines(lines)
    return into


def run_once(a, name, scenario, loss, sigint_after):
    out_dir = os.path.join(a.out, name)
    os.makedirs(out_dir, exist_ok=True)
    argv = [a.itlfleet, "run", scenario, "--engine", "live", "--phones", str(a.phones),
            "--time-scale", str(a.time_scale), "--metrics", "127.0.0.1:0", "--out", out_dir, "-q"]
    if loss > 0:
        argv += ["--loss", str(loss)]
    log(f"{name}: " + " ".join(argv))
    stdout_path, stderr_path = out_dir + ".stdout", out_dir + ".stderr"
    with open(stdout_path, "wb") as so, open(stderr_path, "wb") as se:
        started = time.monotonic()
        proc = subprocess.Popen(argv, stdout=so, stderr=se, preexec_fn=die_with_parent)
    r = {"run": name, "command": " ".join(argv[1:]), "failures": []}
    fail = r["failures"].append
    port = metrics_port(stderr_path, proc, 120)
    if port is None:
        proc.kill()
        proc.wait()
        fail("no metrics port in the log")
        return r
    url = f"http://127.0.0.1:{port}/metrics"
    # The run's own bound: its scenario time scaled, plus start-up and outputs.
    limit_s = a.wall_limit
    scrapes = before_first_sample = mismatches = unreachable_scrapes = unexplained = errors = 0
    peak_unreachable, limits_seen = 0, 0
    worst = None
    signalled_at = None
    series = open(out_dir + ".scrapes.csv", "w")
    series.write("wall_s,scenario_s,phones," + ",".join(STATES) +
                 ",server_failures,load_generator_limits\n")
    while proc.poll() is None:
        now = time.monotonic()
        if now - started > limit_s:
            proc.kill()
            proc.wait()
            fail(f"still running after {limit_s} s: killed")
            return r
        if sigint_after is not None and signalled_at is None and now - started >= sigint_after:
            proc.send_signal(signal.SIGINT)
            signalled_at = time.monotonic()
            log(f"{name}: SIGINT at {signalled_at - started:.1f} s")
        if signalled_at is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    total, by_state, sim_time, failures, limits = parse_scrape(resp.read().decode())
                scrapes += 1
                if total is None:
                    before_first_sample += 1
                else:
                    series.write(f"{now - started:.1f},{sim_time},{total:.0f}," +
                                 ",".join(f"{by_state.get(k, 0):.0f}" for k in STATES) +
                                 f",{failures:.0f},{limits:.0f}\n")
                    limits_seen = max(limits_seen, limits)
                    if round(total) != a.phones:
                        mismatches += 1
                        worst = worst or {"sum": total, "states": by_state, "at_s": sim_time}
                    unreachable = by_state.get("unreachable", 0)
                    peak_unreachable = max(peak_unreachable, unreachable)
                    if unreachable > 0:
                        unreachable_scrapes += 1
                    if unreachable > failures:
                        unexplained += 1
                        worst = worst or {"unreachable": unreachable, "server_failures": failures,
                                          "at_s": sim_time}
            except (urllib.error.URLError, ConnectionError, OSError):
                errors += 1  # the run may be ending; judged by its exit below
        time.sleep(max(0.0, 1.0 - (time.monotonic() - now)))
    ended = time.monotonic()
    series.close()
    r.update({"exit": proc.returncode, "wall_s": round(ended - started, 1), "scrapes": scrapes,
              "scrapes_before_first_sample": before_first_sample, "sum_mismatches": mismatches,
              "scrapes_with_unreachable": unreachable_scrapes,
              "peak_unreachable": peak_unreachable,
              "scrapes_with_unexplained_unreachable": unexplained,
              "load_generator_limits_at_scrapes": limits_seen, "scrape_errors": errors})
    if worst:
        r["first_bad_scrape"] = worst
    if mismatches:
        fail(f"{mismatches} scrapes where the phone states did not add up to {a.phones}")
    if unexplained:
        fail(f"{unexplained} scrapes with more unreachable phones than the server refused, "
             "let time out or broke the protocol")
    if scrapes - before_first_sample < 3 and sigint_after is None:
        fail(f"only {scrapes - before_first_sample} scrapes with phones")
    summary_path = os.path.join(out_dir, "summary.json")
    try:
        with open(summary_path) as f:
            s = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"summary.json: {e}")
        return r
    final = s["final"]
    r["final"] = {k: final[k] for k in STATES}
    r["load_generator"] = s.get("load_generator", {})
    r["protocol_errors"] = s.get("protocol_errors", [])
    ev = s["events"]
    r["files_served"] = ev["files_served"]
    r["tftp_timeouts"] = ev["tftp_timeouts"]
    r["tftp_refusals"] = ev["tftp_refusals"]
    with open(stderr_path, errors="replace") as f:
        err = f.read()
    m = re.search(r"restarted: (\d+) TFTP transfers in flight dropped", err)
    if m:
        r["transfers_dropped_by_restart"] = int(m.group(1))
    m = re.search(r"peak memory ([\d.]+) MB", err)
    if m:
        r["peak_rss_mb"] = float(m.group(1))
    if sum(final[k] for k in STATES) != a.phones:
        fail("summary.json's phone states do not add up to the fleet")
    if final["unreachable"] != 0:
        fail(f"{final['unreachable']} phones unreachable at the end")
    if signalled_at is not None:
        r["signal_to_exit_s"] = round(ended - signalled_at, 2)
        stop = s.get("interrupted")
        r["interrupted"] = stop
        if proc.returncode != 130:
            fail(f"exit status {proc.returncode} after SIGINT, not 130")
        if not stop or stop.get("signal") != "SIGINT":
            fail("summary.json does not say the run was interrupted by SIGINT")
        if s.get("passed") is not False:
            fail("an interrupted run's summary.json says passed")
        if ended - signalled_at > a.max_stop_seconds:
            fail(f"exit {ended - signalled_at:.1f} s after SIGINT (> {a.max_stop_seconds} s)")
    elif proc.returncode != 0:
        fail(f"exit status {proc.returncode} (expectations failed or error)")
    return r


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--itlfleet", required=True)
    p.add_argument("--scenario", required=True)
    p.add_argument("--phones", type=int, required=True)
    p.add_argument("--time-scale", type=float, default=1.0)
    p.add_argument("--loss", type=float, default=0.05)
    p.add_argument("--out", required=True)
    p.add_argument("--baseline", action="store_true", help="first run the baseline")
    p.add_argument("--soak", action="store_true", help="run the scenario with --loss to its end")
    p.add_argument("--sigint-after", type=float, help="wall seconds into a run to send SIGINT")
    p.add_argument("--max-stop-seconds", type=float, default=10.0)
    p.add_argument("--wall-limit", type=float, help="kill a run after this many seconds")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if a.wall_limit is None:
        a.wall_limit = 600 + 400 * a.time_scale
    results = []
    if a.baseline:
        base = baseline_yaml(a.scenario, os.path.join(a.out, "baseline.yaml"))
        results.append(run_once(a, "baseline", base, 0.0, None))
    if a.soak:
        results.append(run_once(a, "soak", a.scenario, a.loss, None))
    if a.sigint_after is not None:
        results.append(run_once(a, "sigint", a.scenario, a.loss, a.sigint_after))
    print(json.dumps(results, indent=1))
    failed = [f"{r['run']}: {f}" for r in results for f in r["failures"]]
    for f in failed:
        log("FAIL " + f)
    if not failed:
        log("every check holds")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
