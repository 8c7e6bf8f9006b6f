"""Pension benchmarks: population projection over synthetic persons, and single-person forecasts.

    .venv/bin/python bench/bench_pensions.py --persons 1000000 --repeat 500

Each country's projection runs in its own child process so that its peak memory (ru_maxrss) is
its own. The single forecast is `pension_compute` (the CLI/API contract, 40 periods) and the
page's computation for 11 claim ages at once; p50 and p95 over `--repeat` runs after a warm-up.
"""
from __future__ import annotations

import argparse
import datetime
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def projection(country: str, persons: int, seed: int) -> dict:
    import _django  # noqa: F401

    from pronoia.pensions.population import population_project, population_synthetic

    as_of = datetime.date(2026, 2, 1)
    started = time.perf_counter()
    arrays, region, names = population_synthetic(country, persons, seed=seed, as_of=as_of)
    generated = time.perf_counter()
    result = population_project(country, arrays, region, names, from_year=2026, years=10)
    done = time.perf_counter()
    return {
        "country": country, "persons": persons, "retiring_2026_2035": result["retiring"],
        "generate_s": round(generated - started, 2), "project_s": round(done - generated, 2),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "average_2026": result["by_year"][0]["average_monthly"], "currency": result["currency"],
    }


def _case(country: str) -> dict:
    periods = [{"from": f"{y}-01-01", "to": f"{y}-12-31", "days": 300 if country == "gr" else 360, "earnings": "18000.00"} for y in range(1986, 2026)]
    return {"birth_date": "1966-03-10", "sex": "F", "claim_date": "2033-03-10", "periods": periods,
            "assumptions": {"as_of": "2026-02-01", "future_monthly_earnings": "1500", "future_days_per_year": 300}}


def _percentiles(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {"p50_ms": round(statistics.median(samples) * 1000, 2), "p95_ms": round(samples[int(len(samples) * 0.95) - 1] * 1000, 2)}


def single(repeat: int) -> dict:
    import _django  # noqa: F401

    from pronoia.pensions.cases import case_parse
    from pronoia.pensions.compute import cases_compute, pension_compute
    from dataclasses import replace

    today = datetime.date(2026, 11, 23)
    out = {}
    for country in ("gr", "pl", "bg"):
        data = _case(country)
        for _ in range(20):
            pension_compute(country=country, data=data, today=today)
        timings = []
        for _ in range(repeat):
            t = time.perf_counter()
            pension_compute(country=country, data=data, today=today)
            timings.append(time.perf_counter() - t)
        case = case_parse(country, data, today=today)
        ages = [replace(case, claim_date=datetime.date(1966 + a, 3, 10)) for a in range(60, 71)]
        by_age = []
        for _ in range(repeat):
            t = time.perf_counter()
            cases_compute(ages)
            by_age.append(time.perf_counter() - t)
        out[country] = {"pension_compute": _percentiles(timings), "eleven_claim_ages": _percentiles(by_age)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=500)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(projection(args.child, args.persons, args.seed)))
        return
    results = {"projection": [], "single": None}
    for country in ("gr", "pl", "bg"):
        child = subprocess.run([sys.executable, __file__, "--child", country, "--persons", str(args.persons), "--seed", str(args.seed)],
                               capture_output=True, text=True, check=True, cwd=HERE.parent)
        results["projection"].append(json.loads(child.stdout.strip().splitlines()[-1]))
    results["single"] = single(args.repeat)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
