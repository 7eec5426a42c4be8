"""deploy/k8s rendered with this machine's `kubectl kustomize`, and the pods'
environment and command lines as Kubernetes would give them.

deploy/k8s uses only what kustomize v2.0.3 knows (the one kubectl 1.14 to
1.20 embeds: Debian bookworm's kubernetes-client is kubectl 1.20), so
Debian's kubectl renders it; later ones (1.32 tried) warn that commonLabels
and patchesJson6902 are deprecated, and render the same objects.
"""

import os
import re
import shutil
import subprocess

INDEX_FIELD = "metadata.annotations['batch.kubernetes.io/job-completion-index']"


def why_not_usable():
    """None when there is a kubectl to render with, else the reason."""
    if shutil.which("kubectl"):
        return None
    return "kubectl is not installed (scripts/setup.sh installs Debian's kubernetes-client)"


def required():
    """Whether a missing kubectl fails rather than skips: in CI (CI=true,
    .ci/run), whose scripts/setup.sh installs Debian's kubernetes-client."""
    return os.environ.get("CI") == "true"


def kubectl_version():
    r = subprocess.run(["kubectl", "version", "--client"], capture_output=True, text=True,
                       timeout=60)
    m = re.search(r'GitVersion:"(v[^"]+)"|Client Version: (v\d\S*)', r.stdout + r.stderr)
    return (m.group(1) or m.group(2)) if m else "unknown"


def set_shards(directory, shards):
    """Edits the one value: the number after `&shards` in shards.yaml."""
    path = os.path.join(directory, "shards.yaml")
    with open(path) as f:
        text = f.read()
    text, n = re.subn(r"(&shards\s+)\d+", lambda m: m.group(1) + str(shards), text)
    if n != 1:
        raise ValueError(f"{path}: {n} numbers after &shards, expected 1")
    with open(path, "w") as f:
        f.write(text)


def set_literals(directory, config_map, values):
    """Sets KEY=VALUE literals of a configMapGenerator of kustomization.yaml."""
    import yaml
    path = os.path.join(directory, "kustomization.yaml")
    with open(path) as f:
        k = yaml.safe_load(f)
    for gen in k.get("configMapGenerator", []):
        if gen.get("name") == config_map:
            literals = dict(lit.split("=", 1) for lit in gen.get("literals", []))
            literals.update(values)
            gen["literals"] = [f"{a}={b}" for a, b in literals.items()]
            break
    else:
        raise ValueError(f"{path} has no configMapGenerator {config_map}")
    with open(path, "w") as f:
        yaml.safe_dump(k, f)


def copy_and_render(source, work, shards=None, literals=None):
    """deploy/k8s copied to work/k8s, edited as a user would (the number of
    shards, the itlfleet-job literals), rendered. Returns (objects by
    (kind, name), kubectl's stderr); raises RuntimeError when it fails."""
    import yaml
    base = os.path.join(work, "k8s")
    shutil.copytree(os.path.join(source, "deploy", "k8s"), base,
                    ignore=shutil.ignore_patterns("image", "*.md"))
    if shards is not None:
        set_shards(base, shards)
    if literals:
        set_literals(base, "itlfleet-job", literals)
    r = subprocess.run(["kubectl", "kustomize", base], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {base} exited {r.returncode}: {r.stderr}")
    objects = [o for o in yaml.safe_load_all(r.stdout) if o]
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}, r.stderr


def container_env(container, config_maps, index):
    """The environment Kubernetes gives the container (pod of completion
    `index`, None outside the Indexed Job) from its envFrom and env."""
    env = {}
    for ref in container.get("envFrom", []):
        env.update(config_maps[ref["configMapRef"]["name"]]["data"])
    for e in container.get("env", []):
        if "value" in e:
            env[e["name"]] = e["value"]
            continue
        source = e.get("valueFrom", {})
        if "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            env[e["name"]] = config_maps[ref["name"]]["data"][ref["key"]]
            continue
        if source.get("fieldRef", {}).get("fieldPath") != INDEX_FIELD:
            raise ValueError(f"env {e['name']}: cannot give {source}")
        if index is None:
            raise ValueError(f"env {e['name']}: the completion index outside an Indexed Job")
        env[e["name"]] = str(index)
    return env


def command_of(container, volumes_here):
    """The container's command, its volumes' mount paths rewritten to the
    directories of `volumes_here` (volume name -> directory)."""
    argv = list(container["command"]) + list(container.get("args", []))
    mounts = {m["mountPath"]: volumes_here[m["name"]] for m in container.get("volumeMounts", [])}
    for path, here in sorted(mounts.items(), key=lambda x: -len(x[0])):
        # The path as a whole component: /scenario in "/scenario/x.yaml", not in
        # "/scenario.yaml" nor in "/tmp/scenario".
        argv = [re.sub(r"(?<![\w/.-])" + re.escape(path) + r"(?=/|[\"'\s]|$)", here, a)
                for a in argv]
    return argv
