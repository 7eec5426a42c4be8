"""Pods on one machine: network namespaces, each with its own address on a
veth pair to a bridge in the root namespace (where a server listens), as a
Kubernetes node gives its pods. Private addresses (10.244.x.0/24, the x
from this process's id) on links made here; teardown() removes them all.

  net = PodNetwork(pods=5)
  why = net.why_not()            # None, or why namespaces cannot be made here
  pods = net.make()              # [(namespace, address)], net.server on the bridge
  ...
  net.teardown()
"""

import os
import shutil
import subprocess


def sh(*argv, check=True):
    r = subprocess.run(list(argv), capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


class PodNetwork:
    def __init__(self, pods):
        self.pods = pods
        self.tag = str(os.getpid() % 100000)
        self.subnet = f"10.244.{20 + os.getpid() % 200}"
        self.bridge = f"itlfbr{self.tag}"
        self.server = f"{self.subnet}.1"
        self.namespaces = []
        self.links = []

    def why_not(self):
        """None when namespaces can be made here, else why not."""
        if not shutil.which("ip"):
            return "the ip command (iproute2) is not installed"
        probe = f"itlfleet-probe-{self.tag}"
        r = sh("ip", "netns", "add", probe, check=False)
        if r.returncode != 0:
            return f"`ip netns add` failed ({r.stderr.strip()}): this needs CAP_NET_ADMIN (root)"
        sh("ip", "netns", "del", probe, check=False)
        return None

    def make(self):
        """The bridge with `server`'s address; pod k in its namespace at subnet.(10+k)."""
        self.links.append(self.bridge)
        sh("ip", "link", "add", self.bridge, "type", "bridge")
        sh("ip", "addr", "add", f"{self.server}/24", "dev", self.bridge)
        sh("ip", "link", "set", self.bridge, "up")
        pods = []
        for k in range(self.pods):
            ns = f"itlfleet-{self.tag}-{k}"
            host_end = f"itlfv{self.tag}p{k}"
            self.namespaces.append(ns)
            sh("ip", "netns", "add", ns)
            self.links.append(host_end)
            sh("ip", "link", "add", host_end, "type", "veth", "peer", "name", "eth0", "netns", ns)
            sh("ip", "link", "set", host_end, "master", self.bridge, "up")
            address = f"{self.subnet}.{10 + k}"
            sh("ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "route", "add", "default", "via", self.server)
            pods.append((ns, address))
        return pods

    def teardown(self):
        for ns in self.namespaces:
            sh("ip", "netns", "del", ns, check=False)
        for link in self.links:
            sh("ip", "link", "del", link, check=False)
        self.namespaces.clear()
        self.links.clear()
