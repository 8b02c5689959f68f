"""Hypothesis profiles for the fuzz tests: "ci" (the default, a few examples so the suite stays
fast) and "fuzz" (`make fuzz`, many more). HYPOTHESIS_PROFILE chooses."""

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "derandomize": False,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
    "database": None,
}
settings.register_profile("ci", max_examples=40, **_COMMON)
settings.register_profile("fuzz", max_examples=500, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
