"""What the Python end-to-end tests share: a log with the test's prefix, a
failure that ends the test, and children that die with it."""

import ctypes
import signal


def reporter(prefix):
    """log(msg) and fail(msg) (logs, then exits 1) for a test named `prefix`."""
    def log(msg):
        print(f"[{prefix}] {msg}", flush=True)

    def fail(msg):
        log("FAIL: " + msg)
        raise SystemExit(1)

    return log, fail


def die_with_parent():
    """preexec_fn: the child gets SIGKILL if the test process dies (ctest timeout)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    PR_SET_PDEATHSIG = 1
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
