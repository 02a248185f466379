"""Dagster's side of the vs-dagster benchmark (bench/src/benchmarks/vs-dagster.ts drives it).

A command server: one JSON object per line on stdin, one JSON answer per line on the protocol
stream (the process's original stdout; Dagster's own output goes to stderr). Commands, in order:

  setup        build the workload's definitions on the instance of $DAGSTER_HOME (PostgreSQL storage,
               dagster.yaml written by the driver) and evaluate a first tick on it (the conditions
               are applied: nothing is requested), then report one materialization of every source
               partition (runless events, as an external system reports its data; written through
               the instance's own event batching, 1,000 a batch, so that setting up is not the
               bottleneck)
  tick         one evaluation of AutomationCondition.eager() (without in_latest_time_window, so
               every partition is considered) through dagster.evaluate_automation_conditions, the
               cursor carried from tick to tick
  runs         the runs the last tick requested, executed in-process as single-run backfills
               (BackfillPolicy.single_run(): one run per set of assets requested over the same
               partitions, covering them as one range)
  decided      every partition requested since the last `decided` (or the start), per asset
  materialized materialized partitions per asset, as the instance has them
  change       one source partition gets a new materialization (a runless event)

Every answer carries `maxRssMb` (this process's peak RSS). Partition sets are answered per asset as a
count and the SHA-256 of the sorted keys joined by newlines (monthly keys as YYYY-MM), which the
driver compares with Weft's.
"""

import hashlib
import json
import os
import resource
import sys
import time
import traceback

PROTOCOL = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr

import dagster as dg  # noqa: E402  (after the protocol stream is set apart)
from dagster._core.events import DagsterEvent, DagsterEventBatchMetadata, DagsterEventType, StepMaterializationData  # noqa: E402
from dagster._core.instance.utils import RUNLESS_JOB_NAME, RUNLESS_RUN_ID  # noqa: E402
from dagster._core.storage.tags import (  # noqa: E402
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

# Runs log warnings and errors only (the default console logger at DEBUG prints every event).
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
CONDITION = dg.AutomationCondition.eager().without(dg.AutomationCondition.in_latest_time_window())


def max_rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def elapsed_ms(t0):
    return round((time.perf_counter() - t0) * 1000, 1)


class Workload:
    """`chains` chains of source (external, daily) → cleaned (daily) → monthly rollup and 7-day window."""

    def __init__(self, chains, start, month_start, end):
        self.chains = chains
        self.daily = dg.DailyPartitionsDefinition(start_date=start, end_date=end)
        self.monthly = dg.MonthlyPartitionsDefinition(start_date=month_start, end_date=end)
        policy = dg.BackfillPolicy.single_run()
        self.sources, self.cleaned, self.monthlies, self.rollings = [], [], [], []
        for c in range(chains):
            source = dg.AssetSpec(key=f"c{c}_source", partitions_def=self.daily)

            @dg.asset(name=f"c{c}_cleaned", partitions_def=self.daily, deps=[source], automation_condition=CONDITION, backfill_policy=policy)
            def cleaned() -> None:
                return None

            @dg.asset(
                name=f"c{c}_monthly",
                partitions_def=self.monthly,
                deps=[dg.AssetDep(cleaned, partition_mapping=dg.TimeWindowPartitionMapping())],
                automation_condition=CONDITION,
                backfill_policy=policy,
            )
            def monthly() -> None:
                return None

            @dg.asset(
                name=f"c{c}_rolling_7d",
                partitions_def=self.daily,
                deps=[dg.AssetDep(cleaned, partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-6, end_offset=0, allow_nonexistent_upstream_partitions=True))],
                automation_condition=CONDITION,
                backfill_policy=policy,
            )
            def rolling() -> None:
                return None

            self.sources.append(source)
            self.cleaned.append(cleaned)
            self.monthlies.append(monthly)
            self.rollings.append(rolling)
        self.assets = [*self.sources, *self.cleaned, *self.monthlies, *self.rollings]
        self.defs = dg.Definitions(assets=self.assets)
        self.instance = dg.DagsterInstance.get()
        self.cursor = None
        self.day_keys = self.daily.get_partition_keys()
        self.month_keys = self.monthly.get_partition_keys()

    def is_monthly(self, key):
        return key.endswith("_monthly")

    def tick(self):
        """One evaluation of every asset's condition; returns its wall time and what it requested."""
        t0 = time.perf_counter()
        result = dg.evaluate_automation_conditions(defs=self.defs, instance=self.instance, cursor=self.cursor)
        ms = elapsed_ms(t0)
        self.cursor = result.cursor
        requested = {}
        for a in [*self.cleaned, *self.monthlies, *self.rollings]:
            keys = [k for k in result.get_requested_partitions(a.key) if k is not None]
            if keys:
                requested[a.key.to_user_string()] = keys
        return ms, requested

    def run(self, assets, keys):
        """One in-process run of `assets` over `keys` (a single partition, or a range as a single-run backfill)."""
        ordered = sorted(keys)
        tags = {} if len(ordered) == 1 else {ASSET_PARTITION_RANGE_START_TAG: ordered[0], ASSET_PARTITION_RANGE_END_TAG: ordered[-1]}
        t0 = time.perf_counter()
        result = dg.materialize(self.assets, instance=self.instance, selection=assets, partition_key=ordered[0] if len(ordered) == 1 else None, tags=tags, run_config=RUN_CONFIG)
        if not result.success:
            raise RuntimeError(f"run of {[a.key.to_user_string() for a in assets]} over {ordered[0]}…{ordered[-1]} failed")
        return elapsed_ms(t0)

    def run_requested(self, requested):
        """The runs a tick's requests become: assets requested over the same partitions share one run (a range)."""
        by_name = {a.key.to_user_string(): a for a in [*self.cleaned, *self.monthlies, *self.rollings]}
        groups = {}
        for name, keys in sorted(requested.items()):
            all_keys = self.month_keys if self.is_monthly(name) else self.day_keys
            lo, hi = all_keys.index(min(keys)), all_keys.index(max(keys))
            if hi - lo + 1 != len(keys):
                raise RuntimeError(f"{name}: requested partitions are not one contiguous range")
            groups.setdefault((self.is_monthly(name), lo, hi), []).append(by_name[name])
        return [self.run(assets, requested[assets[0].key.to_user_string()]) for assets in groups.values()]

    def summary(self, requested):
        """Per asset: the count and a hash of the sorted keys (monthly keys as YYYY-MM)."""
        out = {}
        for name, keys in requested.items():
            norm = sorted(k[:7] if self.is_monthly(name) else k for k in keys)
            out[name] = {"count": len(norm), "sha256": hashlib.sha256("\n".join(norm).encode()).hexdigest(), "first": norm[0], "last": norm[-1]}
        return out

    def materialized(self):
        """Materialized partitions per asset, as the instance has them (the check after the backfill)."""
        return {a.key.to_user_string(): len(self.instance.get_materialized_partitions(a.key)) for a in [*self.cleaned, *self.monthlies, *self.rollings]}


STATE = {}


def setup(cmd):
    t0 = time.perf_counter()
    w = Workload(cmd["chains"], cmd["start"], cmd["monthStart"], cmd["end"])
    STATE["w"] = w
    defs_ms = elapsed_ms(t0)
    first_ms, first = w.tick()
    t1 = time.perf_counter()
    os.environ["DAGSTER_EVENT_BATCH_SIZE"] = "1000"
    try:
        # One batch never spans two assets: a batch updates its asset's latest-materialization
        # row from its last event only.
        for src in w.sources:
            for i, partition in enumerate(w.day_keys):
                event = DagsterEvent(event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value, event_specific_data=StepMaterializationData(dg.AssetMaterialization(asset_key=src.key, partition=partition)), job_name=RUNLESS_JOB_NAME)
                batch = DagsterEventBatchMetadata(id=f"{src.key.to_user_string()}-{i // 1000}", is_end=i % 1000 == 999 or i == len(w.day_keys) - 1)
                w.instance.report_dagster_event(event, run_id=RUNLESS_RUN_ID, batch_metadata=batch)
    finally:
        del os.environ["DAGSTER_EVENT_BATCH_SIZE"]
    return {"definitionsMs": defs_ms, "firstTickMs": first_ms, "firstTickRequested": sum(len(v) for v in first.values()), "storage": type(w.instance.event_log_storage).__name__, "sourceEventsMs": elapsed_ms(t1), "sourceEvents": len(w.sources) * len(w.day_keys), "days": len(w.day_keys), "months": len(w.month_keys), "dagster": dg.__version__, "python": sys.version.split()[0]}


def tick(_cmd):
    ms, requested = STATE["w"].tick()
    STATE["requested"] = requested
    for name, keys in requested.items():
        STATE.setdefault("decided", {}).setdefault(name, []).extend(keys)
    return {"evalMs": ms, "requested": STATE["w"].summary(requested)}


def runs(_cmd):
    return {"runsMs": STATE["w"].run_requested(STATE.pop("requested", {}))}


def materialized(_cmd):
    return {"materialized": STATE["w"].materialized()}


def decided(_cmd):
    """Every partition requested since the last `decided`, per asset."""
    return {"decided": STATE["w"].summary(STATE.pop("decided", {}))}


def change(cmd):
    STATE["w"].instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=cmd["asset"], partition=cmd["partition"]))
    return {}


COMMANDS = {"setup": setup, "tick": tick, "runs": runs, "materialized": materialized, "decided": decided, "change": change}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        try:
            answer = COMMANDS[cmd["cmd"]](cmd)
            answer["ok"] = True
        except Exception as error:  # the driver reports it, with the traceback on stderr
            traceback.print_exc()
            answer = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        answer["maxRssMb"] = max_rss_mb()
        PROTOCOL.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
