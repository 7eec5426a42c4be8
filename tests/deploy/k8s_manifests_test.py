#!/usr/bin/env python3
"""deploy/k8s rendered with `kubectl kustomize` and checked offline.

No cluster is reachable here. What is checked:
  - the kustomization renders (kubectl's built-in kustomize: Debian's
    kubectl 1.20 or a later one), as it is and from a copy whose
    one value, the number of shards (after `&shards` in shards.yaml), is
    set to 3: the shards Job is Indexed, its parallelism and completions are
    3 (integers), and the shell commands of the pods, run here with the
    environment Kubernetes would give them (a stand-in itlfleet recording
    its arguments), give every shard K `--shard K/3`, make the merge wait
    for shards 0 to 2 and merge those three; the two renderings differ in
    nothing but that number; kubectl says nothing but warnings;
  - every rendered object against the Kubernetes API schema of Debian's
    python3-kubernetes models (k8s_schema.py says what that covers and what
    it does not), and the validator itself fails on an unknown field, a
    wrong type and a missing required field (so it can fail);
  - references inside the rendering: ConfigMaps and the claim the pods
    mount or read exist, the Prometheus annotations name the port the
    shard's --metrics listens on, the completion index reaches the shard;
  - the scenario the ConfigMap carries runs (`itlfleet run`, virtual);
  - deploy/k8s/prometheus-kubernetes.yml with `promtool check config`
    (Debian's Prometheus is built without Kubernetes service discovery: its
    kubernetes_sd_configs is then swapped for a static target with the same
    relabelling rules, and the log says so).
Not exercised: an API server's own validation and admission, scheduling,
the volume's provisioning, the Job controller. The rehearsal test
(k8s_rehearsal_test.py) runs the Job's command line for real.

Exit 77 (ctest skip) when kubectl or python3-kubernetes is missing; with
CI=true (.ci/run, whose scripts/setup.sh installs Debian's kubernetes-client)
a missing kubectl fails instead.
usage: k8s_manifests_test.py --itlfleet BIN --source DIR
"""

import argparse
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
sys.path.append("/usr/lib/python3/dist-packages")

from test_process import reporter  # noqa: E402
import k8s_render  # noqa: E402

SHARDS = 3


log, fail = reporter("k8s_manifests_test")


def skip(msg):
    log("SKIP: " + msg)
    raise SystemExit(77)


def render(source, work, shards=None, quiet=False):
    """A copy of deploy/k8s rendered, its number of shards set to `shards`.
    kubectl may warn (later ones: deprecated fields), nothing more."""
    os.mkdir(work)
    try:
        objects, stderr = k8s_render.copy_and_render(source, work, shards=shards)
    except (RuntimeError, ValueError) as e:
        fail(str(e))
    for line in stderr.splitlines():
        if "Warning:" not in line:
            fail(f"kubectl kustomize says more than warnings: {stderr}")
        if not quiet:
            log(f"kubectl: {line.lstrip('# ')}")
    return list(objects.values())


def by_kind_name(objects):
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def check_validator_can_fail(job, validate):
    bad = copy.deepcopy(job)
    bad["spec"]["paralellism"] = 3
    errors = validate(bad)
    if not any("paralellism: not a field of V1JobSpec" in e for e in errors):
        fail(f"a misspelt field passed the schema check: {errors}")
    bad = copy.deepcopy(job)
    bad["spec"]["completions"] = "3"
    errors = validate(bad)
    if not any("completions: expected int" in e for e in errors):
        fail(f"a string completions passed the schema check: {errors}")
    bad = copy.deepcopy(job)
    del bad["spec"]["template"]["spec"]["containers"][0]["name"]
    if not validate(bad):
        fail("a container without a name passed the schema check")
    log("the schema check refuses a misspelt field, a wrong type and a missing required field")


def check_references(objects):
    index = by_kind_name(objects)
    config_maps = {n for (k, n) in index if k == "ConfigMap"}
    claims = {n for (k, n) in index if k == "PersistentVolumeClaim"}
    for (kind, name), o in index.items():
        if kind != "Job":
            continue
        pod = o["spec"]["template"]["spec"]
        for v in pod.get("volumes", []):
            if "configMap" in v and v["configMap"]["name"] not in config_maps:
                fail(f"Job {name} mounts a ConfigMap {v['configMap']['name']} that is not rendered")
            if ("persistentVolumeClaim" in v
                    and v["persistentVolumeClaim"]["claimName"] not in claims):
                fail(f"Job {name} mounts a claim that is not rendered")
        volume_names = {v["name"] for v in pod.get("volumes", [])}
        for c in pod.get("initContainers", []) + pod["containers"]:
            for ref in c.get("envFrom", []):
                if ref["configMapRef"]["name"] not in config_maps:
                    fail(f"Job {name}: {c['name']} reads a ConfigMap that is not rendered")
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("configMapKeyRef")
                if ref and ref["key"] not in index.get(("ConfigMap", ref["name"]), {}).get(
                        "data", {}):
                    fail(f"Job {name}: {c['name']} env {e['name']} reads {ref}: not rendered")
            for m in c.get("volumeMounts", []):
                if m["name"] not in volume_names:
                    fail(f"Job {name}: {c['name']} mounts an unknown volume {m['name']}")
            if not c.get("image", "").startswith("localhost/itlfleet:"):
                fail(f"Job {name}: {c['name']} image {c.get('image')} is not the local build")


def check_shards_job(objects, itlfleet, work):
    index = by_kind_name(objects)
    job = index.get(("Job", "itlfleet-shards"))
    merge = index.get(("Job", "itlfleet-merge"))
    settings = index.get(("ConfigMap", "itlfleet-job"))
    count = index.get(("ConfigMap", "itlfleet-shards"))
    scenario = index.get(("ConfigMap", "itlfleet-scenario"))
    if not (job and merge and settings and count and scenario):
        fail(f"rendered objects: {sorted(index)}")
    spec = job["spec"]
    if spec.get("completionMode") != "Indexed":
        fail(f"shards Job completionMode {spec.get('completionMode')}")
    if spec.get("parallelism") != SHARDS or spec.get("completions") != SHARDS:
        fail(f"{SHARDS} shards but parallelism {spec.get('parallelism')!r}, completions "
             f"{spec.get('completions')!r}")
    pod = spec["template"]
    container = pod["spec"]["containers"][0]
    script = container["command"][-1]
    for needed in ('--shard "$JOB_COMPLETION_INDEX/$SHARDS"',
                   '--out "/results/shard-$JOB_COMPLETION_INDEX"', "--metrics"):
        if needed not in script:
            fail(f"the shard's command line lacks {needed}: {script}")
    env = {e["name"]: e for e in container.get("env", [])}
    index_source = env.get("JOB_COMPLETION_INDEX", {}).get("valueFrom", {}).get("fieldRef", {})
    if index_source.get("fieldPath") != (
            "metadata.annotations['batch.kubernetes.io/job-completion-index']"):
        fail(f"JOB_COMPLETION_INDEX not from the completion index annotation: {index_source}")
    listen_port = env["METRICS_LISTEN"]["value"].rsplit(":", 1)[1]
    annotations = pod["metadata"].get("annotations", {})
    ports = [str(p["containerPort"]) for p in container.get("ports", [])]
    if annotations.get("prometheus.io/scrape") != "true" or (
            annotations.get("prometheus.io/port") != listen_port or listen_port not in ports):
        fail(f"scrape annotations {annotations}, --metrics port {listen_port}, ports {ports}")
    if pod["metadata"].get("labels", {}).get("app.kubernetes.io/name") != "itlfleet":
        fail("the shard pods lack the app.kubernetes.io/name label the scrape keeps")
    # The scenario the ConfigMap carries loads and runs.
    path = os.path.join(work, "scenario-from-configmap.yaml")
    with open(path, "w") as f:
        f.write(scenario["data"]["scenario.yaml"])
    r = subprocess.run([itlfleet, "run", path, "--quiet", "--out", os.path.join(work, "virtual")],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        fail(f"the ConfigMap's scenario does not run: exit {r.returncode}\n{r.stdout}{r.stderr}")
    log(f"shards Job: Indexed, parallelism = completions = {SHARDS}; the ConfigMap's scenario runs")
    return job


STAND_IN = """#!/bin/sh
# A stand-in itlfleet: records its arguments, one a line.
printf '%s\\n' "$@" > "$ARGS_OUT"
"""


def run_container(job, container, index, config_maps, volumes, stand_in, work, name, env=None):
    """The container's command as the pod runs it (its environment from the
    rendering, its volumes' paths rewritten), itlfleet a stand-in. Returns
    (exit status, output, itlfleet's arguments or None)."""
    try:
        pod_env = k8s_render.container_env(container, config_maps, index)
    except ValueError as e:
        fail(f"Job {job}: {container['name']}: {e}")
    args_out = os.path.join(work, name + ".args")
    pod_env.update(env or {})
    pod_env.update({"PATH": stand_in + ":/usr/bin:/bin", "ARGS_OUT": args_out})
    r = subprocess.run(k8s_render.command_of(container, volumes), env=pod_env,
                       capture_output=True, text=True, timeout=60)
    args = None
    if os.path.exists(args_out):
        with open(args_out) as f:
            args = f.read().splitlines()
    return r.returncode, r.stdout + r.stderr, args


def check_commands_follow(objects, work):
    """Every shard's N and the merge's N are the rendering's completions."""
    index = by_kind_name(objects)
    config_maps = {n: o for (k, n), o in index.items() if k == "ConfigMap"}
    shards_job = index[("Job", "itlfleet-shards")]
    merge_pod = index[("Job", "itlfleet-merge")]["spec"]["template"]["spec"]
    n = shards_job["spec"]["completions"]
    stand_in = os.path.join(work, "bin")
    os.mkdir(stand_in)
    with open(os.path.join(stand_in, "itlfleet"), "w") as f:
        f.write(STAND_IN)
    os.chmod(os.path.join(stand_in, "itlfleet"), 0o755)
    results = os.path.join(work, "results")
    volumes = {"scenario": os.path.join(work, "scenario"), "results": results}
    container = shards_job["spec"]["template"]["spec"]["containers"][0]
    for k in range(n):
        code, out, args = run_container("itlfleet-shards", container, k, config_maps, volumes,
                                        stand_in, work, f"shard-{k}")
        if code != 0 or not args:
            fail(f"shard {k}'s command exited {code}: {out}")
        shard = args[args.index("--shard") + 1] if "--shard" in args else None
        out_dir = args[args.index("--out") + 1] if "--out" in args else None
        if shard != f"{k}/{n}" or out_dir != os.path.join(results, f"shard-{k}"):
            fail(f"shard {k} of {n} ran itlfleet {args}")
        os.makedirs(out_dir)
    # The merge's wait: shards 0 to n-1, no more, no fewer.
    wait = merge_pod["initContainers"][0]
    last = os.path.join(results, f"shard-{n - 1}", "shard.json")
    for k in range(n - 1):
        open(os.path.join(results, f"shard-{k}", "shard.json"), "w").close()
    code, out, _ = run_container("itlfleet-merge", wait, None, config_maps, volumes, stand_in,
                                 work, "wait", env={"WAIT_S": "0"})
    if code != 1 or f"shards {n - 1} of {n}" not in out:
        fail(f"the merge's wait, shard {n - 1} missing: exit {code}: {out}")
    open(last, "w").close()
    os.makedirs(os.path.join(results, f"shard-{n}"))
    code, out, _ = run_container("itlfleet-merge", wait, None, config_maps, volumes, stand_in,
                                 work, "wait", env={"WAIT_S": "0"})
    if code != 0:
        fail(f"the merge's wait, shards 0 to {n - 1} there: exit {code}: {out}")
    code, out, args = run_container("itlfleet-merge", merge_pod["containers"][0], None,
                                    config_maps, volumes, stand_in, work, "merge")
    expected = ["merge", os.path.join(results, "merged")] + [
        os.path.join(results, f"shard-{k}") for k in range(n)]
    if code != 0 or args != expected:
        fail(f"the merge's command exited {code}, ran itlfleet {args}: {out}")
    log(f"the pods' commands follow completions {n}: shards --shard 0/{n} to {n - 1}/{n}, "
        f"the merge waits for shards 0 to {n - 1} and merges those {n}")


def check_only_the_count_differs(edited, unedited):
    """The edit of the one value changes the count and nothing else."""
    def without_count(objects):
        out = copy.deepcopy(by_kind_name(objects))
        spec = out[("Job", "itlfleet-shards")]["spec"]
        for key in ("completions", "parallelism"):
            spec.pop(key)
        out[("ConfigMap", "itlfleet-shards")]["data"]["shards.yaml"] = re.sub(
            r"&shards\s+\d+", "&shards N",
            out[("ConfigMap", "itlfleet-shards")]["data"]["shards.yaml"])
        return out
    a, b = without_count(edited), without_count(unedited)
    if a != b:
        fail("the renderings with 3 and as shipped differ beyond the number of shards: "
             + ", ".join(f"{k}/{n}" for (k, n) in sorted(set(a) | set(b))
                         if a.get((k, n)) != b.get((k, n))))
    shipped = by_kind_name(unedited)[("Job", "itlfleet-shards")]["spec"]
    log(f"as shipped: parallelism {shipped['parallelism']}, completions "
        f"{shipped['completions']}; edited in its one place: {SHARDS}, nothing else differs")


def check_scrape_config(source, work):
    if not shutil.which("promtool"):
        log("promtool not installed: prometheus-kubernetes.yml not checked")
        return
    config = os.path.join(source, "deploy", "k8s", "prometheus-kubernetes.yml")
    r = subprocess.run(["promtool", "check", "config", config], capture_output=True, text=True,
                       timeout=60)
    if r.returncode == 0:
        log("promtool check config prometheus-kubernetes.yml: ok")
        return
    if "field kubernetes_sd_configs not found" not in r.stdout + r.stderr:
        fail(f"promtool check config {config}:\n{r.stdout}{r.stderr}")
    import yaml
    with open(config) as f:
        doc = yaml.safe_load(f)
    for job in doc["scrape_configs"]:
        job.pop("kubernetes_sd_configs", None)
        job["static_configs"] = [{"targets": ["127.0.0.1:9464"]}]
    doc["rule_files"] = [os.path.join(source, "deploy", "prometheus", "itlfleet-rules.yml")]
    swapped = os.path.join(work, "prometheus-static.yml")
    with open(swapped, "w") as f:
        yaml.safe_dump(doc, f)
    r = subprocess.run(["promtool", "check", "config", swapped], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        fail(f"promtool check config (static target, same relabelling):\n{r.stdout}{r.stderr}")
    log("this Prometheus has no Kubernetes service discovery (Debian builds it without): "
        "the relabelling rules checked with a static target instead")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--itlfleet", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    why = k8s_render.why_not_usable()
    if why:
        if k8s_render.required():
            fail(f"{why}, and CI=true: scripts/setup.sh should have installed it")
        skip(why)
    try:
        import yaml  # noqa: F401
        import k8s_schema
    except ImportError as e:
        skip(f"{e} (scripts/setup.sh installs python3-kubernetes and python3-yaml)")
    log(f"kubectl {k8s_render.kubectl_version()}; schema: python3-kubernetes "
        f"{k8s_schema.client_version()} models")

    with tempfile.TemporaryDirectory(prefix="itlfleet-k8s-") as work:
        objects = render(args.source, os.path.join(work, "edited"), shards=SHARDS)
        log(f"rendered {len(objects)} objects: "
            + ", ".join(f"{o['kind']}/{o['metadata']['name']}" for o in objects))
        unedited = render(args.source, os.path.join(work, "shipped"), quiet=True)
        errors = [e for o in objects + unedited for e in k8s_schema.validate(o)]
        if errors:
            fail("schema:\n  " + "\n  ".join(errors))
        log("every object valid against the Kubernetes API schema")
        job = check_shards_job(objects, args.itlfleet, work)
        check_commands_follow(objects, os.path.join(work, "edited"))
        check_only_the_count_differs(objects, unedited)
        check_validator_can_fail(job, k8s_schema.validate)
        check_references(objects)
        check_scrape_config(args.source, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
