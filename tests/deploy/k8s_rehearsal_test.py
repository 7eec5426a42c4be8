#!/usr/bin/env python3
"""A local rehearsal of deploy/k8s's Indexed Job, each shard a "pod" of its own.

  1. `itlfleet serve` of the Job's scenario in the root network namespace,
     listening on a bridge's address (--listen).
  2. deploy/k8s rendered with `kubectl kustomize` from a copy whose number
     of shards (shards.yaml, its one place) is 4 and whose RUN_ARGS point at
     that server (as a user's edit would).
  3. The shards Job's own container command, read from the rendering (not
     retyped), run 4 times, each in a network namespace of its own with its
     own address on a veth pair to the bridge (as pods have), with the
     container's environment as Kubernetes would give it: its env (the
     completion index through the annotation's fieldRef, the number of
     shards through a configMapKeyRef) and envFrom (the rendered
     ConfigMaps). The volumes are the one thing emulated: their
     mount paths (/scenario, /results) are rewritten to directories here.
  4. The merge Job's init and main containers' commands, the same way.
  5. A single-process live run of the whole fleet against the same server,
     beside the shards, from a namespace of its own.
The merged counts must add up (fleet = sum of groups = the sum of the
shards) and equal the single run's: final counts by state and group, boots,
files served, requests by kind and result, latency sample counts.
With Debian's prometheus and prometheus-pushgateway installed, also: a
Prometheus whose scrape job is deploy/k8s/prometheus-kubernetes.yml's (its
relabelling rules verbatim, the Kubernetes discovery swapped for static
targets carrying the labels that discovery gives a shard's pod) scrapes
every shard at its pod address and must see a `shard` label 0-3, and the
Grafana dashboard's Phones, Trusted and backup-alert expressions over the
shards' series must equal the merged result; and every shard pushes to a
Pushgateway, grouped by shard.

Everything stays on this machine: private addresses (10.244.x.0/24) on a
bridge and veth pairs created here, removed at the end (on failure too).
Exit 77 (ctest skip) with the reason when network namespaces cannot be
created (no CAP_NET_ADMIN), or kubectl is missing (outside CI: with
CI=true, where scripts/setup.sh installs it, that fails).
usage: k8s_rehearsal_test.py --itlfleet BIN --source DIR
The measurement of BENCHMARKS.md ("Shards in network namespaces") runs the
same rehearsal larger, with each pod's wall time, CPU and peak memory:
  k8s_rehearsal_test.py ... --phones 200000 --time-scale 0.25 --no-single --measure
With --rootfs DIR (the image's root file system, unpacked from
deploy/k8s/image/build-image.sh's tarball) every pod's command runs as it
is, chrooted into the image as its user (65534), the volumes' files inside
it: the image's own user land, as a container would run it (podman cannot
run containers on the development machine: deploy/k8s/README.md).
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
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
sys.path.append("/usr/lib/python3/dist-packages")  # Debian's python3-yaml

from test_process import die_with_parent, reporter  # noqa: E402
from pod_network import PodNetwork  # noqa: E402
import k8s_render  # noqa: E402

SHARDS = 4
PHONES = 400  # --phones (the default; main() sets it)
TIME_SCALE = 0.02  # --time-scale; the 20-minute scenario in 24 s
LINGER_S = 4  # each shard serves its final metrics this long: Prometheus scrapes it
NET = PodNetwork(SHARDS + 1)  # the last pod for the single run
SERVER = NET.server

children = []


log, fail = reporter("k8s_rehearsal_test")


def stop_children():
    for p in children:
        if p.poll() is None:
            p.terminate()
    for p in children:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def start(name, argv, logdir, env=None):
    out = open(os.path.join(logdir, name + ".log"), "wb")
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env,
                         preexec_fn=die_with_parent)
    p.log_path = out.name
    p.name = name
    children.append(p)
    return p


def log_of(p):
    with open(p.log_path, errors="replace") as f:
        return f.read()


def wait_for(p, timeout_s, ok=(0,)):
    try:
        code = p.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        fail(f"{p.name} still running after {timeout_s} s:\n{log_of(p)[-3000:]}")
    if code not in ok:
        fail(f"{p.name} exited {code}:\n{log_of(p)[-3000:]}")


def serve(itlfleet, scenario, work):
    # Each pod's phones come from its one address, as through a NAT: TVS may
    # take all of them from one source.
    p = start("serve", [itlfleet, "serve", scenario, "--listen", SERVER, "--tftp-port", "0",
                        "--http-port", "0", "--tvs-port", "0", "--tvs-per-source", "100000"],
              work)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log_of(p)
        m = re.search(r"TFTP udp (\S+), HTTP tcp (\S+), TVS tls (\S+)", text)
        if m:
            return p, m.groups()
        if p.poll() is not None:
            fail(f"serve exited {p.returncode}:\n{text}")
        time.sleep(0.2)
    fail("serve did not say where it listens within 60 s:\n" + log_of(p))


# --- the rendered manifest -------------------------------------------------------


def render(source, work, run_args):
    """A copy of deploy/k8s edited as a user would: SHARDS in its one place
    (shards.yaml), RUN_ARGS at the server here, a short LINGER."""
    try:
        objects, _ = k8s_render.copy_and_render(
            source, work, shards=SHARDS,
            literals={"RUN_ARGS": run_args, "LINGER": f"{LINGER_S}s"})
    except (RuntimeError, ValueError) as e:
        fail(str(e))
    return objects


def container_env(container, config_maps, index):
    """The environment Kubernetes gives the container (pod of completion `index`)."""
    try:
        return k8s_render.container_env(container, config_maps, index)
    except ValueError as e:
        fail(f"the rehearsal cannot give the pod its environment: {e}")


MEASURE = ["/usr/bin/time", "-f", "measured: %e s wall, %U s user, %S s sys, %M KB max RSS"]


def run_pod(name, job, container, index, config_maps, volumes_here, ns, bindir, work,
            measure=False, rootfs=None):
    """The container's command in namespace `ns` (None: the root one): on the
    host's binary with the volumes' paths rewritten, or, with `rootfs` (the
    image's file system, the volumes' files inside it), chrooted into it as
    the image's user with the command as it is."""
    env = container_env(container, config_maps, index)
    # Found on this script's PATH: the pod's own PATH is for its command.
    prefix = [shutil.which("ip"), "netns", "exec", ns] if ns else []
    if measure:
        prefix += MEASURE
    if rootfs:
        env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
        argv = list(container["command"]) + list(container.get("args", []))
        prefix += [shutil.which("chroot") or "/usr/sbin/chroot", "--userspec=65534:65534", rootfs]
    else:
        env["PATH"] = bindir + ":/usr/bin:/bin"
        argv = k8s_render.command_of(container, volumes_here)
    return start(name, prefix + argv, work, env=env)


# --- checks ----------------------------------------------------------------------

STATES = ["offline", "booting", "trusted", "locked", "no_itl", "unreachable", "config_rejected"]


def figures(summary):
    e = summary["events"]
    return {
        "phones": summary["phones"],
        "final": summary["final"],
        "groups": {g["name"]: {s: g[s] for s in STATES} for g in summary["groups"]},
        "boots": e["boots"],
        "files_served": e["files_served"],
        "tftp_refusals": e["tftp_refusals"],
        "tftp_timeouts": e["tftp_timeouts"],
        "requests": e["requests"],
        "latency_counts": {l["name"]: l["count"] for l in summary["latency"]},
    }


def report_shards(results, procs):
    for p in procs:
        lines = [line for line in log_of(p).splitlines()
                 if "of wall time" in line or line.startswith("measured:")]
        log(f"{p.name}: " + " | ".join(lines))
    with open(os.path.join(results, "merged", "summary.json")) as f:
        m = json.load(f)
    e = m["events"]
    log(f"merged: {m['phones']} phones, final {m['final']}, boots {e['boots']}, files served "
        f"{e['files_served']}, TFTP refusals {e['tftp_refusals']}, timeouts {e['tftp_timeouts']}, "
        f"load generator {m['load_generator']}, protocol errors {m['protocol_errors']}")
    for lat in m["latency"]:
        log(f"merged latency {lat['name']}: count {lat['count']}, p50 {lat['p50_s']} s, "
            f"p99 {lat['p99_s']} s, max {lat['max_s']} s")


def check_merge(results, single):
    shards = []
    for k in range(SHARDS):
        with open(os.path.join(results, f"shard-{k}", "summary.json")) as f:
            shards.append(json.load(f))
    with open(os.path.join(results, "merged", "summary.json")) as f:
        merged = json.load(f)
    m = figures(merged)
    if sum(s["phones"] for s in shards) != PHONES or m["phones"] != PHONES:
        fail(f"phones: shards {[s['phones'] for s in shards]}, merged {m['phones']}")
    for key in ("boots", "files_served"):
        if sum(s["events"][key] for s in shards) != m[key]:
            fail(f"{key}: shards {[s['events'][key] for s in shards]} do not add up to {m[key]}")
    for state in STATES:
        if sum(g[state] for g in m["groups"].values()) != m["final"][state]:
            fail(f"merged {state}: groups {m['groups']} do not add up to {m['final'][state]}")
    if m["final"]["trusted"] != PHONES:
        fail(f"merged: {m['final']}")
    s = figures(single)
    if m != s:
        fail("merged shards and the single run differ:\n"
             f"  merged {json.dumps(m, sort_keys=True)}\n  single {json.dumps(s, sort_keys=True)}")
    log(f"merged = single run: {m['final']['trusted']} trusted, {m['files_served']} files, "
        f"{m['boots']} boots; shards {[x['phones'] for x in shards]} phones")
    return merged


# --- Prometheus and the Pushgateway ------------------------------------------------


def free_port(address):
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def prometheus_config(source, pods, work):
    """prometheus-kubernetes.yml's scrape job, discovery swapped for static pods."""
    import yaml
    with open(os.path.join(source, "deploy", "k8s", "prometheus-kubernetes.yml")) as f:
        doc = yaml.safe_load(f)
    job = doc["scrape_configs"][0]
    job.pop("kubernetes_sd_configs")
    job["scrape_interval"] = "1s"
    job["scrape_timeout"] = "1s"
    job["static_configs"] = [{
        # What kubernetes_sd gives a shard's pod (its IP, no port: the
        # annotations name it), from the rendered pod template's labels.
        "targets": [address],
        "labels": {
            "__meta_kubernetes_pod_label_app_kubernetes_io_name": "itlfleet",
            "__meta_kubernetes_pod_label_job_name": "itlfleet-shards",
            "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
            "__meta_kubernetes_pod_annotation_prometheus_io_port": "9464",
            "__meta_kubernetes_pod_annotation_prometheus_io_path": "/metrics",
            "__meta_kubernetes_pod_annotation_batch_kubernetes_io_job_completion_index": str(k),
            "__meta_kubernetes_namespace": "default",
            "__meta_kubernetes_pod_name": f"itlfleet-shards-{k}-rehearsal",
        }} for k, (_, address) in enumerate(pods)]
    doc.pop("rule_files", None)
    path = os.path.join(work, "prometheus.yml")
    with open(path, "w") as f:
        yaml.safe_dump(doc, f)
    return path


def prom_api(base, path, **params):
    url = f"{base}/api/v1/{path}?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=10) as r:
        body = json.loads(r.read().decode())
    if body.get("status") != "success":
        fail(f"{path} {params}: {body}")
    return body["data"]["result"]


def dashboard_expr(source, title):
    with open(os.path.join(source, "deploy", "grafana", "itlfleet-dashboard.json")) as f:
        panels = json.load(f)["panels"]
    for p in panels:
        if p.get("title") == title:
            return p["targets"][0]["expr"].replace("$job", "itlfleet")
    fail(f"the dashboard has no panel {title!r}")


def check_prometheus(base, source, merged):
    # The last instant at which every shard was scraped complete (they
    # linger LINGER_S after their run, then go, and their series go stale).
    deadline = time.monotonic() + 30
    complete = "count(itlfleet_run_complete == 1)"
    at = None
    while at is None and time.monotonic() < deadline:
        now = time.time()
        for series in prom_api(base, "query_range", query=complete, start=f"{now - 600:.3f}",
                               end=f"{now:.3f}", step="0.5"):
            at = max((float(t) for t, v in series["values"] if int(float(v)) == SHARDS),
                     default=None)
        if at is None:
            time.sleep(1)
    if at is None:
        fail(f"Prometheus never saw all {SHARDS} shards complete at once")
    shards = sorted(r["metric"].get("shard") for r in
                    prom_api(base, "query", query="itlfleet_run_complete", time=f"{at:.3f}"))
    if shards != [str(k) for k in range(SHARDS)]:
        fail(f"Prometheus saw shards {shards}, expected 0 to {SHARDS - 1}")
    # The Grafana dashboard's own expressions over the shards' series.
    for title, expected in (("Trusted", merged["final"]["trusted"]),
                            ("Phones", merged["phones"]),
                            ("Backup alerts and engine", merged["events"]["backup_alerts"])):
        expr = dashboard_expr(source, title)
        r = prom_api(base, "query", query=expr, time=f"{at:.3f}")
        value = float(r[0]["value"][1]) if r else None
        if value != expected:
            fail(f"dashboard {title!r} ({expr}) over the shards: {value}, merged {expected}")
    log(f"Prometheus scraped shards {shards} with the shard label; the dashboard's Phones, "
        f"Trusted and backup alerts over the shards equal the merged result")


def check_pushgateway(base, merged):
    with urllib.request.urlopen(f"{base}/api/v1/metrics", timeout=10) as r:
        groups = json.loads(r.read().decode())["data"]
    shards = sorted(g["labels"].get("shard", "") for g in groups
                    if g["labels"].get("job") == "itlfleet")
    if shards != [str(k) for k in range(SHARDS)]:
        fail(f"Pushgateway groups by shard: {shards}")
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as r:
        text = r.read().decode()
    trusted = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                  if line.startswith("itlfleet_phones{") and 'state="trusted"' in line)
    if trusted != merged["final"]["trusted"]:
        fail(f"Pushgateway: trusted over the shards' pushes {trusted}, merged "
             f"{merged['final']['trusted']}")
    log(f"Pushgateway: one group per shard {shards}, trusted adds up to {trusted:.0f}")


def main():
    global PHONES
    ap = argparse.ArgumentParser()
    ap.add_argument("--itlfleet", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--phones", type=int, default=400)
    ap.add_argument("--time-scale", type=float, default=TIME_SCALE)
    ap.add_argument("--no-single", action="store_true",
                    help="no single-process run to compare with (a measurement)")
    ap.add_argument("--measure", action="store_true",
                    help="each pod under /usr/bin/time: wall, CPU, max RSS")
    ap.add_argument("--rootfs", help="the image's root file system, unpacked "
                    "(deploy/k8s/image/build-image.sh's tarball): pods chroot into it")
    args = ap.parse_args()
    PHONES = args.phones
    if not 1 <= PHONES <= 1_000_000 or not 0.001 <= args.time_scale <= 10:
        log("--phones must be 1 to 1,000,000 and --time-scale 0.001 to 10")
        return 2
    itlfleet = os.path.abspath(args.itlfleet)
    why = k8s_render.why_not_usable()
    if why:
        if k8s_render.required():
            fail(f"{why}, and CI=true: scripts/setup.sh should have installed it")
        log(f"SKIP: {why}")
        return 77
    log(f"kubectl {k8s_render.kubectl_version()}")
    why = NET.why_not()
    if why:
        log(f"SKIP: network namespaces cannot be created here: {why}")
        return 77
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(1))
    watch = bool(shutil.which("prometheus") and shutil.which("prometheus-pushgateway"))
    try:
        with tempfile.TemporaryDirectory(prefix="itlfleet-rehearsal-") as work:
            os.chmod(work, 0o755)
            bindir = os.path.join(work, "bin")
            os.mkdir(bindir)
            os.symlink(itlfleet, os.path.join(bindir, "itlfleet"))
            pods = NET.make()
            log(f"bridge {NET.bridge} {SERVER}/24; pods " + ", ".join(a for _, a in pods))

            scenario_src = os.path.join(args.source, "deploy", "k8s", "scenario.yaml")
            server, (tftp, http, tvs) = serve(itlfleet, scenario_src, work)
            log(f"serve in the root namespace: TFTP {tftp}, HTTP {http}, TVS {tvs}")
            live_args = (f"--engine live --time-scale {args.time_scale} --phones {PHONES} "
                         f"--tftp {tftp} --http {http} --tvs {tvs}")
            run_args = live_args
            if watch:
                push_port = free_port(SERVER)
                run_args += f" --pushgateway http://{SERVER}:{push_port}"
                # In memory only (Debian's default persistence file is shared).
                start("pushgateway", ["prometheus-pushgateway",
                                      f"--web.listen-address={SERVER}:{push_port}",
                                      "--persistence.file="], work)
                prom_port = free_port("127.0.0.1")
                start("prometheus", ["prometheus",
                                     f"--config.file={prometheus_config(args.source, pods, work)}",
                                     f"--storage.tsdb.path={work}/tsdb",
                                     f"--web.listen-address=127.0.0.1:{prom_port}"], work)
            objects = render(args.source, work, run_args)
            config_maps = {n: o for (k, n), o in objects.items() if k == "ConfigMap"}
            shards_job = objects[("Job", "itlfleet-shards")]
            merge_job = objects[("Job", "itlfleet-merge")]
            if shards_job["spec"]["completions"] != SHARDS:
                fail(f"rendered completions {shards_job['spec']['completions']}")

            # The volumes: the scenario ConfigMap's files, one results directory.
            root = args.rootfs
            scenario_dir = os.path.join(root or work, "scenario")
            os.makedirs(scenario_dir, exist_ok=True)
            for name, text in config_maps["itlfleet-scenario"]["data"].items():
                with open(os.path.join(scenario_dir, name), "w") as f:
                    f.write(text)
            results = os.path.join(root or work, "results")
            if root:  # the image's /results, owned by its user: emptied of older runs
                for entry in os.listdir(results):
                    shutil.rmtree(os.path.join(results, entry))
            else:
                os.mkdir(results)
            volumes = {"scenario": scenario_dir, "results": results}

            started = time.monotonic()
            container = shards_job["spec"]["template"]["spec"]["containers"][0]
            shards = [run_pod(f"shard-{k}", shards_job, container, k, config_maps, volumes,
                              pods[k][0], bindir, work, args.measure, root)
                      for k in range(SHARDS)]
            merge_spec = merge_job["spec"]["template"]["spec"]
            # The same fleet in one process at the same time, from a namespace
            # of its own.
            single_out = os.path.join(work, "single")
            single = None if args.no_single else start("single", ["ip", "netns", "exec", pods[SHARDS][0], itlfleet, "run",
                                      os.path.join(scenario_dir, "scenario.yaml"), "--quiet",
                                      "--out", single_out] + live_args.split(), work)
            waiter = run_pod("merge-wait", merge_job, merge_spec["initContainers"][0], None,
                             config_maps, volumes, None, bindir, work, rootfs=root)
            run_s = 120 + 2.5 * 20 * 60 * args.time_scale  # the scenario's 20 minutes, scaled
            for p in shards:
                wait_for(p, run_s)
            log(f"{SHARDS} shards done in {time.monotonic() - started:.1f} s")
            wait_for(waiter, 60)
            merge = run_pod("merge", merge_job, merge_spec["containers"][0], None, config_maps,
                            volumes, None, bindir, work, args.measure, root)
            wait_for(merge, 300)
            log(log_of(merge).strip().splitlines()[0])
            if args.measure:
                report_shards(results, shards + [merge])
            if single is None:
                return 0

            wait_for(single, run_s)
            with open(os.path.join(single_out, "summary.json")) as f:
                merged = check_merge(results, json.load(f))
            if watch:
                check_prometheus(f"http://127.0.0.1:{prom_port}", args.source, merged)
                check_pushgateway(f"http://{SERVER}:{push_port}", merged)
            else:
                log("prometheus or prometheus-pushgateway not installed: scrape and push not checked")
            server.terminate()
    finally:
        stop_children()
        NET.teardown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
