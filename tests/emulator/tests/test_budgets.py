"""AWS Budgets: budget updates, notifications, subscribers and tags on moto's budgets backend."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT

NAME = "monthly-cost"
ARN = f"arn:aws:budgets::{ACCOUNT}:budget/{NAME}"
ACTUAL_50 = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 50.0,
             "ThresholdType": "PERCENTAGE"}  # fmt: skip
FORECAST_100 = {"NotificationType": "FORECASTED", "ComparisonOperator": "GREATER_THAN", "Threshold": 100.0,
                "ThresholdType": "PERCENTAGE"}  # fmt: skip
EMAIL = {"SubscriptionType": "EMAIL", "Address": "ops@example.com"}
SNS = {"SubscriptionType": "SNS", "Address": "arn:aws:sns:us-east-1:123456789012:budget-alerts"}


def budget(amount: str = "100", **extra: Any) -> dict[str, Any]:
    return {"BudgetName": NAME, "BudgetLimit": {"Amount": amount, "Unit": "USD"}, "TimeUnit": "MONTHLY",
            "BudgetType": "COST", **extra}  # fmt: skip


def create(client: Any, tags: dict[str, str] | None = None, notifications: list[dict[str, Any]] | None = None) -> None:
    client.create_budget(
        AccountId=ACCOUNT,
        Budget=budget(CostFilters={"Service": ["Amazon Elastic Compute Cloud - Compute"]}),
        NotificationsWithSubscribers=[{"Notification": n, "Subscribers": [EMAIL]} for n in (notifications or [])],
        ResourceTags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def tags_of(client: Any, arn: str = ARN) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in client.list_tags_for_resource(ResourceARN=arn)["ResourceTags"]}


def notifications(client: Any) -> list[dict[str, Any]]:
    return client.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName=NAME)["Notifications"]


def subscribers(client: Any, notification: dict[str, Any] = ACTUAL_50) -> list[dict[str, str]]:
    answer = client.describe_subscribers_for_notification(
        AccountId=ACCOUNT, BudgetName=NAME, Notification=notification
    )
    return answer["Subscribers"]


# --- budgets ----------------------------------------------------------------------------------


def test_create_budget_stores_resource_tags_and_refuses_a_duplicate(emulator):
    client = emulator.client("budgets")
    create(client, tags={"team": "ops", "env": "prod"})
    assert tags_of(client) == {"team": "ops", "env": "prod"}
    assert client.describe_budget(AccountId=ACCOUNT, BudgetName=NAME)["Budget"]["BudgetLimit"]["Amount"] == "100"

    with pytest.raises(ClientError) as duplicate:
        client.create_budget(AccountId=ACCOUNT, Budget=budget("5"), ResourceTags=[{"Key": "team", "Value": "x"}])
    assert error_code(duplicate) == "DuplicateRecordException"
    assert tags_of(client) == {"team": "ops", "env": "prod"}  # the refused call changed nothing
    assert client.describe_budget(AccountId=ACCOUNT, BudgetName=NAME)["Budget"]["BudgetLimit"]["Amount"] == "100"


def test_update_budget_replaces_the_definition_and_keeps_notifications_and_tags(emulator):
    client = emulator.client("budgets")
    create(client, tags={"team": "ops"}, notifications=[ACTUAL_50])
    before = client.describe_budget(AccountId=ACCOUNT, BudgetName=NAME)["Budget"]
    assert before["CostFilters"] == {"Service": ["Amazon Elastic Compute Cloud - Compute"]}

    cost_types = {"IncludeTax": False, "IncludeSupport": False, "UseBlended": True}
    client.update_budget(
        AccountId=ACCOUNT,
        NewBudget={"BudgetName": NAME, "BudgetLimit": {"Amount": "250", "Unit": "USD"}, "TimeUnit": "QUARTERLY",
                   "BudgetType": "COST", "CostTypes": cost_types},
    )  # fmt: skip

    after = client.describe_budget(AccountId=ACCOUNT, BudgetName=NAME)["Budget"]
    assert after["BudgetLimit"] == {"Amount": "250", "Unit": "USD"}
    assert after["TimeUnit"] == "QUARTERLY"
    assert "CostFilters" not in after  # replaced, not merged
    assert {k: after["CostTypes"][k] for k in cost_types} == cost_types
    assert after["TimePeriod"] == before["TimePeriod"]  # not given: kept
    assert after["LastUpdatedTime"] > before["LastUpdatedTime"]
    assert [n["Threshold"] for n in notifications(client)] == [50.0]
    assert subscribers(client) == [EMAIL]
    assert tags_of(client) == {"team": "ops"}


def test_update_budget_of_a_missing_budget_is_not_found(emulator):
    client = emulator.client("budgets")
    with pytest.raises(ClientError) as missing:
        client.update_budget(AccountId=ACCOUNT, NewBudget=budget("1"))
    assert error_code(missing) == "NotFoundException"
    assert client.describe_budgets(AccountId=ACCOUNT).get("Budgets", []) == []  # not created either


def test_update_budget_without_a_limit_is_refused_and_changes_nothing(emulator):
    client = emulator.client("budgets")
    create(client)
    no_limit = {k: v for k, v in budget().items() if k != "BudgetLimit"}
    with pytest.raises(ClientError) as invalid:
        client.update_budget(AccountId=ACCOUNT, NewBudget=no_limit)
    assert error_code(invalid) == "InvalidParameterException"
    assert client.describe_budget(AccountId=ACCOUNT, BudgetName=NAME)["Budget"]["BudgetLimit"]["Amount"] == "100"


def test_delete_budget_forgets_its_tags(emulator):
    client = emulator.client("budgets")
    create(client, tags={"team": "ops"})
    client.delete_budget(AccountId=ACCOUNT, BudgetName=NAME)
    with pytest.raises(ClientError) as gone:
        client.list_tags_for_resource(ResourceARN=ARN)
    assert error_code(gone) == "NotFoundException"

    create(client)  # same name again: a new budget, without the old tags
    assert tags_of(client) == {}

    with pytest.raises(ClientError) as missing:
        client.delete_budget(AccountId=ACCOUNT, BudgetName="no-such-budget")
    assert error_code(missing) == "NotFoundException"


@pytest.mark.parametrize("reset_path", ["/_opsdeck/reset", "/moto-api/reset"])
def test_a_reset_forgets_tags(emulator, reset_path):
    client = emulator.client("budgets")
    create(client, tags={"team": "ops"})
    emulator.api("POST", reset_path)
    with pytest.raises(ClientError) as gone:
        client.list_tags_for_resource(ResourceARN=ARN)
    assert error_code(gone) == "NotFoundException"
    create(client)
    assert tags_of(client) == {}


# --- notifications ----------------------------------------------------------------------------


def test_describe_notifications_for_a_missing_budget_is_not_found(emulator):
    client = emulator.client("budgets")
    with pytest.raises(ClientError) as missing:
        client.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName="no-such-budget")
    assert error_code(missing) == "NotFoundException"  # moto: KeyError, HTTP 500
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_create_notification_adds_it_once(emulator):
    client = emulator.client("budgets")
    create(client, notifications=[ACTUAL_50])
    client.create_notification(AccountId=ACCOUNT, BudgetName=NAME, Notification=FORECAST_100, Subscribers=[SNS])
    assert sorted(n["NotificationType"] for n in notifications(client)) == ["ACTUAL", "FORECASTED"]
    assert subscribers(client, FORECAST_100) == [SNS]

    # The same identity: Threshold as a number, ThresholdType PERCENTAGE by default, state ignored.
    same = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 50,
            "NotificationState": "ALARM"}  # fmt: skip
    with pytest.raises(ClientError) as duplicate:
        client.create_notification(AccountId=ACCOUNT, BudgetName=NAME, Notification=same, Subscribers=[SNS])
    assert error_code(duplicate) == "DuplicateRecordException"
    assert len(notifications(client)) == 2

    absolute = {**ACTUAL_50, "ThresholdType": "ABSOLUTE_VALUE"}  # another identity
    client.create_notification(AccountId=ACCOUNT, BudgetName=NAME, Notification=absolute, Subscribers=[EMAIL])
    assert len(notifications(client)) == 3


def test_create_notification_for_a_missing_budget_is_not_found(emulator):
    client = emulator.client("budgets")
    with pytest.raises(ClientError) as missing:
        client.create_notification(AccountId=ACCOUNT, BudgetName="nope", Notification=ACTUAL_50, Subscribers=[EMAIL])
    assert error_code(missing) == "NotFoundException"


def test_delete_notification_matches_by_identity_and_refuses_a_missing_one(emulator):
    client = emulator.client("budgets")
    create(client, notifications=[ACTUAL_50, FORECAST_100])
    loose = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 50}  # 50 == 50.0
    client.delete_notification(AccountId=ACCOUNT, BudgetName=NAME, Notification=loose)
    assert [n["NotificationType"] for n in notifications(client)] == ["FORECASTED"]

    with pytest.raises(ClientError) as again:
        client.delete_notification(AccountId=ACCOUNT, BudgetName=NAME, Notification=ACTUAL_50)
    assert error_code(again) == "NotFoundException"
    with pytest.raises(ClientError) as no_budget:
        client.delete_notification(AccountId=ACCOUNT, BudgetName="nope", Notification=FORECAST_100)
    assert error_code(no_budget) == "NotFoundException"
    assert [n["NotificationType"] for n in notifications(client)] == ["FORECASTED"]


# --- subscribers ------------------------------------------------------------------------------


def test_describe_subscribers_for_notification(emulator):
    client = emulator.client("budgets")
    client.create_budget(
        AccountId=ACCOUNT, Budget=budget(),
        NotificationsWithSubscribers=[{"Notification": ACTUAL_50, "Subscribers": [EMAIL, SNS]},
                                      {"Notification": FORECAST_100, "Subscribers": [SNS]}],
    )  # fmt: skip
    assert subscribers(client) == [EMAIL, SNS]
    assert subscribers(client, {**FORECAST_100, "Threshold": 100}) == [SNS]

    first = client.describe_subscribers_for_notification(
        AccountId=ACCOUNT, BudgetName=NAME, Notification=ACTUAL_50, MaxResults=1
    )
    assert first["Subscribers"] == [EMAIL] and first["NextToken"]
    rest = client.describe_subscribers_for_notification(
        AccountId=ACCOUNT, BudgetName=NAME, Notification=ACTUAL_50, MaxResults=1, NextToken=first["NextToken"]
    )
    assert rest["Subscribers"] == [SNS] and not rest.get("NextToken")


def test_describe_subscribers_of_a_missing_budget_or_notification_is_not_found(emulator):
    client = emulator.client("budgets")
    create(client, notifications=[ACTUAL_50])
    with pytest.raises(ClientError) as no_budget:
        client.describe_subscribers_for_notification(AccountId=ACCOUNT, BudgetName="nope", Notification=ACTUAL_50)
    assert error_code(no_budget) == "NotFoundException"
    with pytest.raises(ClientError) as no_notification:
        subscribers(client, FORECAST_100)
    assert error_code(no_notification) == "NotFoundException"


def test_create_subscriber_adds_one_and_refuses_a_duplicate(emulator):
    client = emulator.client("budgets")
    create(client, notifications=[ACTUAL_50])
    client.create_subscriber(AccountId=ACCOUNT, BudgetName=NAME, Notification=ACTUAL_50, Subscriber=SNS)
    assert subscribers(client) == [EMAIL, SNS]

    with pytest.raises(ClientError) as duplicate:
        client.create_subscriber(AccountId=ACCOUNT, BudgetName=NAME, Notification=ACTUAL_50, Subscriber=EMAIL)
    assert error_code(duplicate) == "DuplicateRecordException"
    with pytest.raises(ClientError) as no_budget:
        client.create_subscriber(AccountId=ACCOUNT, BudgetName="nope", Notification=ACTUAL_50, Subscriber=SNS)
    assert error_code(no_budget) == "NotFoundException"
    with pytest.raises(ClientError) as no_notification:
        client.create_subscriber(AccountId=ACCOUNT, BudgetName=NAME, Notification=FORECAST_100, Subscriber=SNS)
    assert error_code(no_notification) == "NotFoundException"
    assert subscribers(client) == [EMAIL, SNS]


def test_delete_subscriber_removes_one_and_refuses_a_missing_one(emulator):
    client = emulator.client("budgets")
    client.create_budget(
        AccountId=ACCOUNT, Budget=budget(),
        NotificationsWithSubscribers=[{"Notification": ACTUAL_50, "Subscribers": [EMAIL, SNS]}],
    )  # fmt: skip
    client.delete_subscriber(AccountId=ACCOUNT, BudgetName=NAME, Notification=ACTUAL_50, Subscriber=EMAIL)
    assert subscribers(client) == [SNS]

    with pytest.raises(ClientError) as again:
        client.delete_subscriber(AccountId=ACCOUNT, BudgetName=NAME, Notification=ACTUAL_50, Subscriber=EMAIL)
    assert error_code(again) == "NotFoundException"
    with pytest.raises(ClientError) as no_budget:
        client.delete_subscriber(AccountId=ACCOUNT, BudgetName="nope", Notification=ACTUAL_50, Subscriber=SNS)
    assert error_code(no_budget) == "NotFoundException"
    with pytest.raises(ClientError) as no_notification:
        client.delete_subscriber(AccountId=ACCOUNT, BudgetName=NAME, Notification=FORECAST_100, Subscriber=SNS)
    assert error_code(no_notification) == "NotFoundException"
    assert subscribers(client) == [SNS]


# --- tags -------------------------------------------------------------------------------------


def test_tag_untag_and_list_tags_of_a_budget(emulator):
    client = emulator.client("budgets")
    create(client, tags={"team": "ops"})
    client.tag_resource(ResourceARN=ARN, ResourceTags=[{"Key": "team", "Value": "billing"}, {"Key": "env", "Value": ""}])
    assert tags_of(client) == {"team": "billing", "env": ""}

    client.untag_resource(ResourceARN=ARN, ResourceTagKeys=["team", "not-there"])
    assert tags_of(client) == {"env": ""}


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:budgets::{ACCOUNT}:budget/no-such-budget",
        f"arn:aws:budgets::210987654321:budget/{NAME}",  # another account's budget of that name
        f"arn:aws-cn:budgets::{ACCOUNT}:budget/{NAME}",  # another partition
    ],
)
def test_tagging_a_missing_budget_is_not_found(emulator, arn):
    client = emulator.client("budgets")
    create(client, tags={"team": "ops"})
    for call in (
        lambda: client.tag_resource(ResourceARN=arn, ResourceTags=[{"Key": "k", "Value": "v"}]),
        lambda: client.untag_resource(ResourceARN=arn, ResourceTagKeys=["team"]),
        lambda: client.list_tags_for_resource(ResourceARN=arn),
    ):
        with pytest.raises(ClientError) as missing:
            call()
        assert error_code(missing) == "NotFoundException"
    assert tags_of(client) == {"team": "ops"}


def test_tagging_with_an_arn_that_is_not_a_budget_is_refused(emulator):
    client = emulator.client("budgets")
    with pytest.raises(ClientError) as invalid:
        client.list_tags_for_resource(ResourceARN="arn:aws:s3:::bucket")
    assert error_code(invalid) == "InvalidParameterException"


# --- request log ------------------------------------------------------------------------------


def test_request_log_shows_the_signing_region_of_budgets_calls(emulator):
    emulator.client("budgets").describe_budgets(AccountId=ACCOUNT)
    emulator.client("budgets").describe_budgets(AccountId=ACCOUNT)
    emulator.client("budgets", region="eu-west-1").describe_budgets(AccountId=ACCOUNT)
    log = emulator.api("GET", "/_opsdeck/requests")
    assert log["by_operation"] == {"budgets:DescribeBudgets": 3}
    assert log["signing_regions"] == {"budgets:DescribeBudgets": {"eu-west-1": 1, "us-east-1": 2}}
