"""Print timings of matcher.geo: directory load, and one claimant against 100,000 vacancies."""

from __future__ import annotations

import time

import numpy as np

from matcher import geo


def main() -> None:
    t0 = time.perf_counter()
    directory = geo.load_directory()
    print(f"load_directory: {time.perf_counter() - t0:.2f} s, {len(directory)} postcodes")

    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(directory.postcodes), 100_000)
    lats, lons, rur = directory.lats[idx], directory.lons[idx], directory.rurality[idx]
    home = directory.lookup("37520")
    timings: dict[str, list[float]] = {"haversine": [], "car": [], "public": [], "all": []}
    for _ in range(50):
        t = time.perf_counter()
        d = geo.haversine_km(home.lat, home.lon, lats, lons)
        t1 = time.perf_counter()
        r = np.maximum(rur, home.rurality)
        geo.commute_minutes(d, "car", r)
        t2 = time.perf_counter()
        geo.commute_minutes(d, "public", r)
        t3 = time.perf_counter()
        timings["haversine"].append(t1 - t)
        timings["car"].append(t2 - t1)
        timings["public"].append(t3 - t2)
        timings["all"].append(t3 - t)
    for name, ts in timings.items():
        ms = np.array(ts) * 1e3
        print(f"{name:9s} 100k: p50 {np.median(ms):.2f} ms, p99 {np.percentile(ms, 99):.2f} ms")


if __name__ == "__main__":
    main()
