"""How long the schedule engine takes to plan a year of emptyings for 50 000 contracts.

    .venv/bin/python bench/schedule_year.py [--contracts 50000] [--database sqlite:///…]

Goal: under 2 s for the engine. With --database the plans are loaded from a database
(for example the 50 000-property demo data) with `schedule.plans_for`, which is timed too.
The baseline, run in the same process, is a loop that only walks the same weeks, so the
printed ratio says how much the rules cost on top of the plain date arithmetic.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain import schedule  # noqa: E402


def synthetic_plans(count: int, seed: int = 1) -> list[schedule.ContractPlan]:
    rng = random.Random(seed)
    plans = []
    for i in range(count):
        start = dt.date(2020, 1, 6) + dt.timedelta(days=rng.randrange(0, 1500))
        waste_type = "bio" if rng.random() < 0.15 else "mixed"
        terms = schedule.Terms(start, rng.choice((1, 2, 3, 4)), rng.randrange(0, 5), 1, 240,
                               schedule.monday(start))
        plan = schedule.ContractPlan(i, waste_type, start, None, [terms])
        if rng.random() < 0.05:
            s = dt.date(2026, 6, 1) + dt.timedelta(days=rng.randrange(0, 90))
            plan.suspensions.append((s, s + dt.timedelta(days=60)))
        plans.append(plan)
    return plans


def baseline(plans, start, end) -> int:
    """Walk the same due weeks without any rule: the cost of the bare loop."""
    total = 0
    for plan in plans:
        week = schedule.monday(start)
        step = dt.timedelta(weeks=plan.segments[0].interval_weeks)
        while week <= end:
            total += 1
            week += step
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=50_000)
    parser.add_argument("--database", help="load plans from this DATABASE_URL instead")
    parser.add_argument("--rounds", type=int, default=3, help="report the best of this many rounds")
    args = parser.parse_args()
    start = dt.date(2026, 1, 1)
    end = dt.date(2026, 12, 31)
    schedule.is_working_day(start)  # warm the holiday tables

    if args.database:
        from database import open_database
        from models import WasteContract
        open_database(args.database)
        t0 = time.perf_counter()
        plans = schedule.plans_for(WasteContract.select())
        print(f"loaded {len(plans)} plans from the database in {time.perf_counter() - t0:.2f} s")
    else:
        plans = synthetic_plans(args.contracts)

    # The best of a few rounds: this machine is shared, and a slow round measures the
    # neighbours, not the code.
    base = engine = float("inf")
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        walked = baseline(plans, start, end)
        base = min(base, time.perf_counter() - t0)
        t0 = time.perf_counter()
        emptyings = sum(len(schedule.planned_emptyings(p, start, end)) for p in plans)
        engine = min(engine, time.perf_counter() - t0)

    print(f"contracts: {len(plans)}  emptyings in a year: {emptyings}  (bare weeks walked: {walked})")
    print(f"engine: {engine:.2f} s   bare loop: {base:.2f} s   ratio: {engine / base:.1f}   (best of {args.rounds})")
    print(f"goal: engine under 2 s -> {'met' if engine < 2 else 'NOT met'}")
    print(f"goal: at most 3 × the bare loop (issue #23) -> {'met' if engine / base <= 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
