"""What the deploy tests' scripts share: a prefixed log, failing, and
children that die with the test (a ctest timeout kills the script only)."""

import ctypes
import signal


def logger(name):
    """log(msg) and fail(msg) printing `[name] msg`; fail exits 1."""

    def log(msg):
        print(f"[{name}] {msg}", flush=True)

    def fail(msg):
        log("FAIL: " + msg)
        raise SystemExit(1)

    return log, fail


def die_with_parent():
    """preexec_fn: the child gets SIGKILL if this test process dies (ctest timeout)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    PR_SET_PDEATHSIG = 1
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
