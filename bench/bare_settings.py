"""The project's settings with the bare baseline view as the only URL (bench/checkin.py)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
