"""Whether this machine's kubectl can render deploy/k8s.

deploy/k8s uses kustomize's `replacements` and `labels` (kustomize 4.1+,
embedded from kubectl 1.22 on); Debian bookworm's kubernetes-client is
kubectl 1.20 with kustomize 2. Tests skip, saying why, rather than fail on
an old kubectl.
"""

import re
import shutil
import subprocess


def why_not_usable():
    """None when `kubectl kustomize` can render deploy/k8s, else the reason."""
    if not shutil.which("kubectl"):
        return "kubectl is not installed (scripts/setup.sh installs it)"
    r = subprocess.run(["kubectl", "version", "--client"], capture_output=True, text=True,
                       timeout=60)
    text = r.stdout + r.stderr
    m = re.search(r"Kustomize Version: v(\d+)\.(\d+)", text)
    if not m:
        return f"kubectl does not say its kustomize version: {text.strip()[:200]}"
    if (int(m.group(1)), int(m.group(2))) < (4, 1):
        return (f"kubectl's kustomize v{m.group(1)}.{m.group(2)} is older than the 4.1 whose "
                "replacements and labels deploy/k8s uses (kubectl 1.22 or later embeds it)")
    return None
