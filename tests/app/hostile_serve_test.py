#!/usr/bin/env python3
"""Hostile peers against `itlfleet serve`, end to end over loopback.

Starts `itlfleet serve` (its ports picked by the system and read from its
log, so no race) with small caps and --time-scale 100, then, as an attacker
would:
  - TFTP serving count (defect 5): requests asking `timeout 255` and never
    acknowledging hold every slot; the server declines the option, refuses
    the next request (ERROR 0), and gives the slots back within its
    first-ACK wait (15 s) although the time scale would make its timers 100 s;
  - reflection (defect 8): a request with a 60,000-byte mode string is
    answered by an ERROR of at most 200 bytes;
  - descriptor exhaustion (defect 6): idle HTTP connections past the cap are
    answered 503 and closed at once, and TFTP still serves a whole file;
  - TVS slots (defect 7): silent TCP peers that never start TLS cannot hold
    more than the per-source cap, and a real TLS handshake from another
    address completes while they wait.
Every wait is bounded; the server is killed at the end, on failure too.

usage: hostile_serve_test.py --itlfleet BIN
"""

import argparse
import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from test_process import die_with_parent, reporter  # noqa: E402

children = []
log, fail = reporter("hostile_serve")


def rrq(name, mode=b"octet", options=()):
    body = b"\x00\x01" + name + b"\x00" + mode + b"\x00"
    for k, v in options:
        body += k + b"\x00" + v + b"\x00"
    return body


def udp_from(address):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((address, 0))
    return s


def receive(sock, wait_s):
    sock.settimeout(wait_s)
    try:
        return sock.recvfrom(70000)
    except socket.timeout:
        return None, None


def opcode(packet):
    return struct.unpack("!H", packet[:2])[0]


def download(tftp, address, wait_s=30):
    """A whole ITLFile.tlv over TFTP without options; its bytes."""
    s = udp_from(address)
    s.sendto(rrq(b"ITLFile.tlv"), tftp)
    data, expected = b"", 1
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        p, peer = receive(s, 5)
        if p is None:
            continue
        if opcode(p) != 3:
            fail(f"download from {address}: opcode {opcode(p)}: {p[4:60]!r}")
        block = struct.unpack("!H", p[2:4])[0]
        if block == expected:
            data += p[4:]
            expected += 1
        s.sendto(struct.pack("!HH", 4, block), peer)
        if len(p) - 4 < 512:
            s.close()
            return data
    fail(f"download from {address} not done within {wait_s} s")


def serving_count(tftp, count):
    holders = []
    for k in range(count):
        s = udp_from(f"127.0.9.{k + 1}")
        s.sendto(rrq(b"ITLFile.tlv", options=[(b"timeout", b"255"), (b"blksize", b"512")]), tftp)
        p, _ = receive(s, 30)
        if p is None:
            fail(f"holder {k}: no answer to its request")
        if opcode(p) == 6 and b"timeout" in p.lower():
            fail(f"holder {k}: the OACK granted the timeout: {p!r}")
        if opcode(p) not in (3, 6):
            fail(f"holder {k}: opcode {opcode(p)}: {p!r}")
        holders.append(s)  # never acknowledges
    late = udp_from("127.0.9.100")
    late.sendto(rrq(b"ITLFile.tlv"), tftp)
    p, _ = receive(late, 30)
    if p is None or opcode(p) != 5 or struct.unpack("!H", p[2:4])[0] != 0:
        fail(f"a request past the serving count was not refused with ERROR 0: {p!r}")
    log(f"{count} silent peers asking timeout 255 hold every slot: the next is refused, "
        "the option declined")
    t0 = time.monotonic()
    while time.monotonic() - t0 < 90:
        late.sendto(rrq(b"ITLFile.tlv"), tftp)
        p, _ = receive(late, 5)
        if p is not None and opcode(p) == 3:
            log(f"a slot was free again after {time.monotonic() - t0:.1f} s (first-ACK wait 15 s)")
            break
        time.sleep(1)
    else:
        fail("the silent peers still held every slot after 90 s")
    for s in holders + [late]:
        s.close()


def reflection(tftp):
    s = udp_from("127.0.9.200")
    s.sendto(rrq(b"f", mode=b"m" * 60000), tftp)
    p, _ = receive(s, 30)
    s.close()
    if p is None:
        fail("no answer to a request with a 60,000-byte mode")
    if opcode(p) != 5 or len(p) > 200:
        fail(f"a 60,000-byte mode was answered with {len(p)} bytes, opcode {opcode(p)}")
    log(f"a 60,000-byte mode string is answered by an ERROR of {len(p)} bytes")


def http_flood(http, tftp, cap, itl_size):
    held = []
    for _ in range(cap):
        c = socket.create_connection(http, timeout=30)
        held.append(c)
    refused = 0
    for _ in range(4):
        c = socket.create_connection(http, timeout=30)
        c.settimeout(30)
        answer = b""
        try:
            while True:
                chunk = c.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except socket.timeout:
            fail(f"connection past the HTTP cap of {cap} was neither answered nor closed in 30 s")
        c.close()
        if not answer.startswith(b"HTTP/1.1 503"):
            fail(f"connection past the HTTP cap was answered {answer[:40]!r}")
        refused += 1
    got = download(tftp, "127.0.9.201")
    if len(got) != itl_size:
        fail(f"TFTP during the HTTP flood: {len(got)} bytes, expected {itl_size}")
    for c in held:
        c.close()
    log(f"{cap} idle HTTP connections: {refused} more answered 503 and closed; "
        f"TFTP still served the {itl_size}-byte ITL")


def tvs_slots(tvs, per_source):
    held = []
    for _ in range(per_source):
        c = socket.socket()
        c.bind(("127.0.9.30", 0))
        c.connect(tvs)
        held.append(c)
    extra = socket.socket()
    extra.bind(("127.0.9.30", 0))
    extra.connect(tvs)
    extra.settimeout(30)
    try:
        closed = extra.recv(1) == b""
    except ConnectionResetError:
        closed = True
    except socket.timeout:
        closed = False
    extra.close()
    if not closed:
        fail(f"a connection past {per_source} from one source was not closed within 30 s")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # the scenario's 1024-bit TVS key
    raw = socket.socket()
    raw.bind(("127.0.9.31", 0))
    raw.settimeout(30)
    raw.connect(tvs)
    with ctx.wrap_socket(raw) as t:
        version = t.version()
    for c in held:
        c.close()
    log(f"{per_source} silent peers from one address hold no more; the next is closed, and a "
        f"TLS handshake from another address completes ({version})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--itlfleet", required=True)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = tempfile.mkdtemp(prefix="itlfleet-hostile-")
    serving, http_cap, per_source = 4, 8, 2
    argv = [a.itlfleet, "serve", "double-regen-hold-timer", "--tftp-port", "0", "--http-port",
            "0", "--tvs-port", "0", "--time-scale", "100", "--tftp-serving-count", str(serving),
            "--http-connections", str(http_cap), "--tvs-handshakes", "4", "--tvs-per-source",
            str(per_source)]
    log("start " + " ".join(argv))
    out_path = os.path.join(work, "serve.log")
    with open(out_path, "wb") as out:
        serve = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                 preexec_fn=die_with_parent)
    children.append(serve)
    try:
        line = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and line is None:
            with open(out_path, errors="replace") as f:
                line = re.search(r"cucm-pub: TFTP udp ([\d.]+):(\d+), HTTP tcp ([\d.]+):(\d+), "
                                 r"TVS tls ([\d.]+):(\d+)", f.read())
            if serve.poll() is not None:
                fail(f"serve exited {serve.returncode}: {open(out_path).read()}")
            time.sleep(0.1)
        if line is None:
            fail("serve did not print its endpoints within 60 s")
        tftp = (line.group(1), int(line.group(2)))
        http = (line.group(3), int(line.group(4)))
        tvs = (line.group(5), int(line.group(6)))
        itl = download(tftp, "127.0.9.250")
        log(f"serve answers: TFTP {tftp}, HTTP {http}, TVS {tvs}; ITL {len(itl)} bytes")
        reflection(tftp)
        http_flood(http, tftp, http_cap, len(itl))
        tvs_slots(tvs, per_source)
        serving_count(tftp, serving)
        serve.send_signal(signal.SIGTERM)
        if serve.wait(timeout=60) != 0:
            fail(f"serve exited {serve.returncode} on SIGTERM")
        log("PASS")
        return 0
    finally:
        for p in children:
            if p.poll() is None:
                p.kill()
                p.wait()


if __name__ == "__main__":
    sys.exit(main())
