"""What the Chromium report tests share: the browser, or a skip when it is missing."""

import shutil
import sys

SKIP = 77  # ctest SKIP_RETURN_CODE


def chromium_or_skip(tool):
    """The chromium binary's path; exits with SKIP when it is not installed."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("%s: chromium is not installed (apt-get install chromium); skipped" % tool)
        sys.exit(SKIP)
    return chromium
