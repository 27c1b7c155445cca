"""scripts/soak.py's verdict: memory is measured from the end of the warm-up, every error counts."""

from scripts import soak


def _rounds(rss, errors=0):
    return [{"requests": 10_000, "errors": errors, "throughput": 500.0, "p99_ms": 100.0,
             "worker_rss_mb": value, "load": 2.0} for value in rss]


def test_warm_up_growth_is_not_counted():
    summary = soak.summarise(_rounds([800, 900]), _rounds([910, 880, 905, 930, 915, 920]), 64)
    assert summary["requests"] == 60_000 and summary["warmup_requests"] == 20_000
    assert summary["rss_baseline_mb"] == 900 and summary["rss_growth_mb"] == 20
    assert summary["rss_peak_mb"] == 930
    assert (summary["rss_peak_first_half_mb"], summary["rss_peak_second_half_mb"]) == (910, 930)
    assert summary["passed"]


def test_growth_past_the_bound_fails():
    summary = soak.summarise(_rounds([900]), _rounds([920, 940, 965]), 64)
    assert summary["rss_growth_mb"] == 65 and not summary["passed"]


def test_an_error_in_the_warm_up_fails():
    summary = soak.summarise(_rounds([900], errors=1), _rounds([900, 900]), 64)
    assert summary["errors"] == 1 and not summary["passed"]


def test_markdown_names_warm_up_rounds():
    warmup, rounds = _rounds([800, 900]), _rounds([910, 920])
    report = {"command": "python -m scripts.soak", "machine": "x", "settings": {"workers": 1, "threads": 32,
              "concurrency": 32}, "warmup": warmup, "rounds": rounds, **soak.summarise(warmup, rounds, 64)}
    table = soak.markdown(report)
    assert "| warm-up 2 | 10000 | 0 | 500 | 100.0 | 900.0 | 2.0 |" in table
    assert "| 2 | 10000 | 0 | 500 | 100.0 | 920.0 | 2.0 |" in table
    assert "growth +20.0 MiB; bound 64 MiB" in table and "PASSED" in table
