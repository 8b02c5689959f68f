"""A pytest plugin (pyproject.toml: `-p tests.environment`) loaded before Django's settings.

The suite runs with DEBUG off, as production does, so the settings' production guard
(config/production.py) would refuse the development key: tests get a key of their own and
declare the plain-http test server a closed network. The environment is inherited by the
servers some tests start. Values set outside (CI, a developer) win.
"""

import os

os.environ.setdefault("SECRET_KEY", "tsunagu-test-suite-only-" + "k" * 40)
os.environ.setdefault("ALLOW_HTTP_CLOSED_NETWORK", "1")
