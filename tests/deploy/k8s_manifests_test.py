#!/usr/bin/env python3
"""deploy/k8s rendered with `kubectl kustomize` and checked offline.

No cluster is reachable here. What is checked:
  - the kustomization renders (kubectl's built-in kustomize), from a copy
    whose one value SHARDS is set to 3: the shards Job is Indexed, its
    parallelism and completions are 3 (integers), the ConfigMap says "3";
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

Exit 77 (ctest skip) when kubectl or python3-kubernetes is missing.
usage: k8s_manifests_test.py --itlfleet BIN --source DIR
"""

import argparse
import copy
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
sys.path.append("/usr/lib/python3/dist-packages")

from test_process import reporter  # noqa: E402

SHARDS = 3


log, fail = reporter("k8s_manifests_test")


def skip(msg):
    log("SKIP: " + msg)
    raise SystemExit(77)


def render(kustomize_dir):
    r = subprocess.run(["kubectl", "kustomize", kustomize_dir], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        fail(f"kubectl kustomize {kustomize_dir} exited {r.returncode}: {r.stderr}")
    return r.stdout


def set_literal(kustomization, config_map, key, value):
    for gen in kustomization.get("configMapGenerator", []):
        if gen.get("name") != config_map:
            continue
        literals = gen.setdefault("literals", [])
        for i, lit in enumerate(literals):
            if lit.split("=", 1)[0] == key:
                literals[i] = f"{key}={value}"
                return
        literals.append(f"{key}={value}")
        return
    fail(f"kustomization.yaml has no configMapGenerator {config_map}")


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
    scenario = index.get(("ConfigMap", "itlfleet-scenario"))
    if not (job and merge and settings and scenario):
        fail(f"rendered objects: {sorted(index)}")
    spec = job["spec"]
    if spec.get("completionMode") != "Indexed":
        fail(f"shards Job completionMode {spec.get('completionMode')}")
    if spec.get("parallelism") != SHARDS or spec.get("completions") != SHARDS:
        fail(f"SHARDS={SHARDS} but parallelism {spec.get('parallelism')!r}, completions "
             f"{spec.get('completions')!r}")
    if settings["data"].get("SHARDS") != str(SHARDS):
        fail(f"ConfigMap SHARDS {settings['data'].get('SHARDS')!r}")
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
    import kubectl_check
    why = kubectl_check.why_not_usable()
    if why:
        skip(why)
    try:
        import yaml
        import k8s_schema
    except ImportError as e:
        skip(f"{e} (scripts/setup.sh installs python3-kubernetes and python3-yaml)")
    log(f"schema: python3-kubernetes {k8s_schema.client_version()} models")

    with tempfile.TemporaryDirectory(prefix="itlfleet-k8s-") as work:
        base = os.path.join(work, "k8s")
        shutil.copytree(os.path.join(args.source, "deploy", "k8s"), base,
                        ignore=shutil.ignore_patterns("image", "*.md"))
        kpath = os.path.join(base, "kustomization.yaml")
        with open(kpath) as f:
            kustomization = yaml.safe_load(f)
        set_literal(kustomization, "itlfleet-job", "SHARDS", str(SHARDS))
        with open(kpath, "w") as f:
            yaml.safe_dump(kustomization, f)
        objects = [o for o in yaml.safe_load_all(render(base)) if o]
        log(f"rendered {len(objects)} objects: "
            + ", ".join(f"{o['kind']}/{o['metadata']['name']}" for o in objects))
        errors = [e for o in objects for e in k8s_schema.validate(o)]
        if errors:
            fail("schema:\n  " + "\n  ".join(errors))
        log("every object valid against the Kubernetes API schema")
        job = check_shards_job(objects, args.itlfleet, work)
        check_validator_can_fail(job, k8s_schema.validate)
        check_references(objects)
        check_scrape_config(args.source, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
