"""The project's settings with the bare baseline view as the only URL (bench/checkin.py)."""

import os

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
# The staff user the scanner passes stand for: the bare view records them as the site does,
# without opening a pass.
BENCH_SCAN_USER_ID = int(os.environ["BENCH_SCAN_USER_ID"])
