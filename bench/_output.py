"""How the benchmarks print: `key: value` lines, and percentiles of timings."""


def out(key, value):
    if isinstance(value, float):
        value = f"{value:.3f}"
    print(f"{key}: {value}", flush=True)


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
