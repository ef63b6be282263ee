"""Cost Explorer (signing name `ce`): GetCostAndUsage and GetCostForecast served from cost data
that a test puts in.

moto 5.2.5 tracks no cost. Its GetCostAndUsage answers from a queue of canned responses keyed
by the exact request body (`/moto-api/static/ce/cost-and-usage-results`), so a client that asks
for "the last 30 days" gets a different body every day and nothing back; GetCostForecast is
missing (HTTP 500). `opsdeck cost` needs both.

What we add, on moto's own CostExplorerBackend of the account and partition (a moto reset
clears it):
  PUT /_opsdeck/ce/data     the account's daily costs and daily forecast points (replaced whole)
  GET /_opsdeck/ce/data     what is stored, for debugging
  GetCostAndUsage           DAILY or MONTHLY periods over [Start, End), every cost metric asked
                            for, GroupBy up to two of DIMENSION SERVICE / REGION /
                            LINKED_ACCOUNT and TAG <key>, Filter with And / Or / Not /
                            Dimensions / Tags; one result per period even when it has no cost
  GetCostForecast           the sum of the forecast points of [Start, End), by DAILY or MONTHLY
                            period; Start may not be before today (UTC), as AWS requires

An account whose data says `"enabled": false` answers both calls as an account that never
enabled Cost Explorer does: AccessDeniedException "User not enabled for cost explorer access".
Not emulated: pagination (one page holds every period), usage metrics (UsageQuantity,
NormalizedUsageAmount), HOURLY granularity (an opt-in feature of AWS), Filter on forecasts, and
the difference between the cost metrics (every cost metric reports the stored amount: right for
accounts without credits, reservations or savings plans).

The data document (PUT body):
  {"account_id": "123456789012",                       # default: moto's default account
   "partition": "aws",                                 # default
   "enabled": true,                                    # default
   "costs": [{"date": "2026-11-30", "service": "Amazon Relational Database Service",
              "amount": 3.6, "region": "ap-northeast-1", "tags": {"Environment": "prod"},
              "estimated": false}],
   "forecast": [{"date": "2026-12-01", "mean": 7.2, "lower": 6.9, "upper": 7.6}]}
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from moto.ce.models import CostExplorerBackend, ce_backends
from moto.ce.responses import CostExplorerResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult

from . import Call, api_route, operation

COST_METRICS = {"AmortizedCost", "BlendedCost", "NetAmortizedCost", "NetUnblendedCost", "UnblendedCost"}
FORECAST_METRICS = {"AMORTIZED_COST", "BLENDED_COST", "NET_AMORTIZED_COST", "NET_UNBLENDED_COST", "UNBLENDED_COST"}
GROUP_DIMENSIONS = {"SERVICE", "REGION", "LINKED_ACCOUNT"}
DEFAULT_ACCOUNT = "123456789012"
NOT_ENABLED = "User not enabled for cost explorer access"


class CostData:
    """One account's cost records and forecast points, kept on moto's backend object."""

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id
        self.enabled = True
        self.currency = "USD"
        self.costs: list[dict[str, Any]] = []
        self.forecast: dict[dt.date, dict[str, Decimal]] = {}

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "enabled": self.enabled,
            "costs": [{**c, "date": c["date"].isoformat(), "amount": str(c["amount"])} for c in self.costs],
            "forecast": [{"date": d.isoformat(), **{k: str(v) for k, v in p.items()}} for d, p in sorted(self.forecast.items())],
        }  # fmt: skip


def _data(backend: CostExplorerBackend) -> CostData:
    data = getattr(backend, "opsdeck_cost_data", None)
    if data is None:
        data = CostData(backend.account_id)
        backend.opsdeck_cost_data = data  # type: ignore[attr-defined]
    return data


def _validation(message: str) -> JsonRESTError:
    return JsonRESTError("ValidationException", message)


def _date(value: Any, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _validation(f"{what} {value!r} is not a date of the form YYYY-MM-DD") from None


def _decimal(value: Any, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{what} {value!r} is not a number") from None


# --------------------------------------------------------------------------- data API


@api_route("PUT", "ce/data")
def put_data(body: Any) -> tuple[int, Any]:
    if not isinstance(body, dict):
        return 400, {"error": "the body must be a JSON object with costs and forecast"}
    account = str(body.get("account_id", DEFAULT_ACCOUNT))
    partition = str(body.get("partition", "aws"))
    try:
        costs = []
        for i, row in enumerate(body.get("costs", [])):
            costs.append({
                "date": dt.date.fromisoformat(row["date"]),
                "service": str(row["service"]),
                "amount": _decimal(row["amount"], f"costs[{i}].amount"),
                "region": str(row.get("region", "global")),
                "tags": {str(k): str(v) for k, v in (row.get("tags") or {}).items()},
                "estimated": bool(row.get("estimated", False)),
            })  # fmt: skip
        forecast = {}
        for i, row in enumerate(body.get("forecast", [])):
            mean = _decimal(row["mean"], f"forecast[{i}].mean")
            forecast[dt.date.fromisoformat(row["date"])] = {
                "mean": mean,
                "lower": _decimal(row.get("lower", mean), f"forecast[{i}].lower"),
                "upper": _decimal(row.get("upper", mean), f"forecast[{i}].upper"),
            }
    except (KeyError, TypeError, ValueError) as error:
        return 400, {"error": f"bad cost data: {error}"}
    data = _data(ce_backends[account][partition])
    data.enabled = bool(body.get("enabled", True))
    data.costs = costs
    data.forecast = forecast
    return 200, {"status": "ok", "costs": len(costs), "forecast": len(forecast)}


@api_route("GET", "ce/data")
def get_data(_body: Any) -> tuple[int, Any]:
    return 200, {"accounts": [_data(b["aws"]).to_json() for _, b in ce_backends.items() if "aws" in b]}


# --------------------------------------------------------------------------- operations


def _enabled_data(call: Call) -> CostData:
    data = _data(call.backend(ce_backends, global_service=True))
    if not data.enabled:
        raise JsonRESTError("AccessDeniedException", NOT_ENABLED)
    return data


def _period(call: Call) -> tuple[dt.date, dt.date]:
    period = call.param("TimePeriod") or {}
    if "Start" not in period or "End" not in period:
        raise _validation("TimePeriod with Start and End is required")
    start, end = _date(period["Start"], "TimePeriod.Start"), _date(period["End"], "TimePeriod.End")
    if start >= end:
        raise _validation("Start date (and hour) should be before end date (and hour)")
    return start, end


def _periods(start: dt.date, end: dt.date, granularity: str) -> list[tuple[dt.date, dt.date]]:
    if granularity not in ("DAILY", "MONTHLY"):
        raise _validation(f"Granularity {granularity!r} is not supported here: use DAILY or MONTHLY")
    out = []
    day = start
    while day < end:
        if granularity == "DAILY":
            nxt = day + dt.timedelta(days=1)
        else:
            nxt = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        nxt = min(nxt, end)
        out.append((day, nxt))
        day = nxt
    return out


def _dimension(row: dict[str, Any], key: str, account: str) -> str:
    return {"SERVICE": row["service"], "REGION": row["region"], "LINKED_ACCOUNT": account}[key]


def _matches(row: dict[str, Any], expression: dict[str, Any] | None, account: str) -> bool:
    if not expression:
        return True
    if "And" in expression:
        return all(_matches(row, e, account) for e in expression["And"])
    if "Or" in expression:
        return any(_matches(row, e, account) for e in expression["Or"])
    if "Not" in expression:
        return not _matches(row, expression["Not"], account)
    if "Dimensions" in expression:
        d = expression["Dimensions"]
        if d.get("Key") not in GROUP_DIMENSIONS:
            raise _validation(f"Filter dimension {d.get('Key')!r} is not supported here: use SERVICE, REGION or LINKED_ACCOUNT")  # fmt: skip
        return _dimension(row, d["Key"], account) in d.get("Values", [])
    if "Tags" in expression:
        t = expression["Tags"]
        value = row["tags"].get(t.get("Key", ""))
        if "ABSENT" in t.get("MatchOptions", []):
            return value is None
        return value is not None and value in t.get("Values", [])
    raise _validation("Filter must use And, Or, Not, Dimensions or Tags")


def _group_keys(call: Call, account: str) -> list[Any]:
    groups = call.param("GroupBy") or []
    if len(groups) > 2:
        raise _validation("GroupBy takes at most two groups")
    getters = []
    for group in groups:
        kind, key = group.get("Type"), group.get("Key", "")
        if kind == "DIMENSION" and key in GROUP_DIMENSIONS:
            getters.append(lambda row, key=key: _dimension(row, key, account))
        elif kind == "TAG" and key:
            # AWS's key of a tag group is "<tag key>$<value>", with an empty value when untagged.
            getters.append(lambda row, key=key: f"{key}${row['tags'].get(key, '')}")
        else:
            raise _validation(f"GroupBy {kind} {key!r} is not supported here: use DIMENSION SERVICE, REGION or LINKED_ACCOUNT, or TAG with a key")  # fmt: skip
    return getters


def _amount(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.0000000001")).normalize(), "f")


@operation("ce", "GetCostAndUsage", CostExplorerResponse)
def get_cost_and_usage(call: Call) -> ActionResult:
    data = _enabled_data(call)
    start, end = _period(call)
    granularity = call.param("Granularity") or ""
    metrics = call.param("Metrics") or []
    if not metrics:
        raise _validation("Metrics is required")
    unsupported = [m for m in metrics if m not in COST_METRICS]
    if unsupported:
        raise _validation(f"Metrics {unsupported} are not supported here: the emulator stores costs, not usage ({sorted(COST_METRICS)})")  # fmt: skip
    getters = _group_keys(call, data.account_id)
    expression = call.param("Filter")
    rows = [r for r in data.costs if start <= r["date"] < end and _matches(r, expression, data.account_id)]

    results = []
    for p_start, p_end in _periods(start, end, granularity):
        in_period = [r for r in rows if p_start <= r["date"] < p_end]
        entry: dict[str, Any] = {
            "TimePeriod": {"Start": p_start.isoformat(), "End": p_end.isoformat()},
            "Estimated": any(r["estimated"] for r in in_period),
        }
        if getters:
            sums: dict[tuple[str, ...], Decimal] = {}
            for r in in_period:
                key = tuple(g(r) for g in getters)
                sums[key] = sums.get(key, Decimal(0)) + r["amount"]
            entry["Total"] = {}
            entry["Groups"] = [
                {"Keys": list(k), "Metrics": {m: {"Amount": _amount(v), "Unit": data.currency} for m in metrics}}
                for k, v in sorted(sums.items())
            ]
        else:
            total = sum((r["amount"] for r in in_period), Decimal(0))
            entry["Total"] = {m: {"Amount": _amount(total), "Unit": data.currency} for m in metrics}
            entry["Groups"] = []
        results.append(entry)
    out: dict[str, Any] = {"ResultsByTime": results, "DimensionValueAttributes": []}
    if call.param("GroupBy"):
        out["GroupDefinitions"] = call.param("GroupBy")
    return ActionResult(out)


@operation("ce", "GetCostForecast", CostExplorerResponse)
def get_cost_forecast(call: Call) -> ActionResult:
    data = _enabled_data(call)
    start, end = _period(call)
    if start < dt.datetime.now(dt.timezone.utc).date():
        raise _validation("Start date must be equal to or no later than the current date to avoid mismatched dates")
    metric = call.param("Metric")
    if metric not in FORECAST_METRICS:
        raise _validation(f"Metric must be one of {sorted(FORECAST_METRICS)}")
    if call.param("Filter"):
        raise _validation("Filter on forecasts is not supported here")
    level = call.param("PredictionIntervalLevel")
    if level is not None and not 51 <= int(level) <= 99:
        raise _validation("PredictionIntervalLevel must be between 51 and 99")
    periods = _periods(start, end, call.param("Granularity") or "")
    days = [start + dt.timedelta(days=i) for i in range((end - start).days)]
    if any(d not in data.forecast for d in days):
        raise JsonRESTError("DataUnavailableException", "Insufficient amount of historical data to generate forecast.")

    def total(a: dt.date, b: dt.date, field: str) -> Decimal:
        return sum((data.forecast[d][field] for d in days if a <= d < b), Decimal(0))

    by_time = [
        {
            "TimePeriod": {"Start": a.isoformat(), "End": b.isoformat()},
            "MeanValue": _amount(total(a, b, "mean")),
            "PredictionIntervalLowerBound": _amount(total(a, b, "lower")),
            "PredictionIntervalUpperBound": _amount(total(a, b, "upper")),
        }
        for a, b in periods
    ]
    return ActionResult({
        "Total": {"Amount": _amount(total(start, end, "mean")), "Unit": data.currency},
        "ForecastResultsByTime": by_time,
    })  # fmt: skip
