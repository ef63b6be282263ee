"""Cost Explorer: GetCostAndUsage and GetCostForecast answered from the cost data a test puts in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import http

TODAY = dt.datetime.now(dt.timezone.utc).date()
RDS = "Amazon Relational Database Service"
VPC = "Amazon Virtual Private Cloud"


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def put(emulator: Any, **data: Any) -> None:
    emulator.api("PUT", "/_opsdeck/ce/data", data)


def three_days(emulator: Any) -> None:
    costs = []
    for offset in (-3, -2, -1):
        costs.append({"date": day(offset), "service": RDS, "amount": 3.6, "region": "ap-northeast-1",
                      "tags": {"Environment": "prod"}})  # fmt: skip
        costs.append({"date": day(offset), "service": VPC, "amount": "1.5", "region": "ap-northeast-1"})
    costs[-1]["estimated"] = True
    put(emulator, costs=costs, forecast=[{"date": day(i), "mean": 5.1, "lower": 4.9, "upper": 5.5} for i in range(0, 5)])


def usage(client: Any, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return client.get_cost_and_usage(
        TimePeriod={"Start": start, "End": end}, Granularity=extra.pop("Granularity", "DAILY"),
        Metrics=extra.pop("Metrics", ["UnblendedCost"]), **extra,
    )  # fmt: skip


def code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def test_daily_totals_one_result_per_day_including_days_without_cost(emulator: Any) -> None:
    three_days(emulator)
    ce = emulator.client("ce")
    result = usage(ce, day(-4), day(0), Metrics=["UnblendedCost", "BlendedCost"])["ResultsByTime"]
    assert [r["TimePeriod"] for r in result] == [{"Start": day(i), "End": day(i + 1)} for i in range(-4, 0)]
    assert [float(r["Total"]["UnblendedCost"]["Amount"]) for r in result] == [0.0, 5.1, 5.1, 5.1]
    assert result[1]["Total"]["BlendedCost"] == {"Amount": "5.1", "Unit": "USD"}
    assert [r["Estimated"] for r in result] == [False, False, False, True]
    assert all(r["Groups"] == [] for r in result)


def test_group_by_service_and_tag(emulator: Any) -> None:
    three_days(emulator)
    ce = emulator.client("ce")
    by_service = usage(ce, day(-3), day(-2), GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}])
    (period,) = by_service["ResultsByTime"]
    assert period["Total"] == {}
    assert {tuple(g["Keys"]): g["Metrics"]["UnblendedCost"]["Amount"] for g in period["Groups"]} == {
        (RDS,): "3.6", (VPC,): "1.5"}  # fmt: skip
    assert by_service["GroupDefinitions"] == [{"Type": "DIMENSION", "Key": "SERVICE"}]

    by_tag = usage(ce, day(-3), day(0), Granularity="MONTHLY", GroupBy=[{"Type": "TAG", "Key": "Environment"}])
    sums: dict[str, float] = {}
    for period in by_tag["ResultsByTime"]:
        for g in period["Groups"]:
            sums[g["Keys"][0]] = sums.get(g["Keys"][0], 0) + float(g["Metrics"]["UnblendedCost"]["Amount"])
    # AWS's key of a tag group is "<key>$<value>", "<key>$" for untagged costs.
    assert sums == pytest.approx({"Environment$prod": 10.8, "Environment$": 4.5})


def test_monthly_periods_split_at_month_boundaries(emulator: Any) -> None:
    put(emulator, costs=[{"date": "2026-01-31", "service": RDS, "amount": 1}, {"date": "2026-02-01", "service": RDS, "amount": 2}])  # fmt: skip
    result = usage(emulator.client("ce"), "2026-01-15", "2026-02-10", Granularity="MONTHLY")["ResultsByTime"]
    assert [(r["TimePeriod"]["Start"], r["TimePeriod"]["End"], r["Total"]["UnblendedCost"]["Amount"]) for r in result] == [
        ("2026-01-15", "2026-02-01", "1"), ("2026-02-01", "2026-02-10", "2")]  # fmt: skip


def test_filter_on_tags_and_dimensions(emulator: Any) -> None:
    three_days(emulator)
    ce = emulator.client("ce")
    prod = usage(ce, day(-3), day(-2), Filter={"Tags": {"Key": "Environment", "Values": ["prod"]}})
    assert prod["ResultsByTime"][0]["Total"]["UnblendedCost"]["Amount"] == "3.6"
    not_rds = usage(ce, day(-3), day(-2), Filter={"Not": {"Dimensions": {"Key": "SERVICE", "Values": [RDS]}}})
    assert not_rds["ResultsByTime"][0]["Total"]["UnblendedCost"]["Amount"] == "1.5"


def test_forecast_sums_the_points_of_the_period(emulator: Any) -> None:
    three_days(emulator)
    result = emulator.client("ce").get_cost_forecast(
        TimePeriod={"Start": day(0), "End": day(3)}, Metric="UNBLENDED_COST", Granularity="MONTHLY")
    assert float(result["Total"]["Amount"]) == pytest.approx(15.3)
    assert result["Total"]["Unit"] == "USD"
    bounds = [(float(r["PredictionIntervalLowerBound"]), float(r["PredictionIntervalUpperBound"]))
              for r in result["ForecastResultsByTime"]]  # fmt: skip
    assert sum(b[0] for b in bounds) == pytest.approx(14.7)
    assert sum(b[1] for b in bounds) == pytest.approx(16.5)


def test_forecast_errors_as_aws_answers_them(emulator: Any) -> None:
    three_days(emulator)
    ce = emulator.client("ce")
    with pytest.raises(ClientError) as past:
        ce.get_cost_forecast(TimePeriod={"Start": day(-1), "End": day(2)}, Metric="UNBLENDED_COST", Granularity="DAILY")
    assert code(past) == "ValidationException"
    with pytest.raises(ClientError) as beyond_data:
        ce.get_cost_forecast(TimePeriod={"Start": day(0), "End": day(30)}, Metric="UNBLENDED_COST", Granularity="DAILY")
    assert code(beyond_data) == "DataUnavailableException"


def test_bad_requests_are_validation_errors(emulator: Any) -> None:
    ce = emulator.client("ce")
    for kwargs in ({"Granularity": "HOURLY"}, {"Metrics": ["UsageQuantity"]},
                   {"GroupBy": [{"Type": "DIMENSION", "Key": "INSTANCE_TYPE"}]}):  # fmt: skip
        with pytest.raises(ClientError) as excinfo:
            usage(ce, day(-2), day(0), **kwargs)
        assert code(excinfo) == "ValidationException", kwargs
    with pytest.raises(ClientError) as reversed_period:
        usage(ce, day(0), day(-2))
    assert code(reversed_period) == "ValidationException"


def test_account_without_cost_explorer_is_refused(emulator: Any) -> None:
    put(emulator, enabled=False)
    ce = emulator.client("ce")
    with pytest.raises(ClientError) as excinfo:
        usage(ce, day(-2), day(0))
    assert code(excinfo) == "AccessDeniedException"
    assert "not enabled for cost explorer" in str(excinfo.value)
    with pytest.raises(ClientError):
        ce.get_cost_forecast(TimePeriod={"Start": day(0), "End": day(1)}, Metric="UNBLENDED_COST", Granularity="DAILY")


def test_reset_forgets_the_data_and_bad_data_is_refused(emulator: Any) -> None:
    three_days(emulator)
    emulator.api("POST", "/_opsdeck/reset")
    result = usage(emulator.client("ce"), day(-3), day(0))["ResultsByTime"]
    assert [r["Total"]["UnblendedCost"]["Amount"] for r in result] == ["0", "0", "0"]
    status, body = http(emulator.endpoint, "PUT", "/_opsdeck/ce/data", {"costs": [{"date": "yesterday", "service": RDS, "amount": 1}]})  # fmt: skip
    assert status == 400 and "bad cost data" in body["error"]
