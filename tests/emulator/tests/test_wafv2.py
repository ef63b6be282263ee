"""WAFv2 web ACL associations with API Gateway stages (modules/compute's web ACL on its stage)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from conftest import REGION

RULES = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "m"}


def web_acl(emulator, name: str = "api", scope: str = "REGIONAL") -> dict:
    # CLOUDFRONT-scope web ACLs live in us-east-1, which is also the tests' region.
    waf = emulator.client("wafv2", region="us-east-1")
    return waf.create_web_acl(Name=name, Scope=scope, DefaultAction={"Allow": {}}, VisibilityConfig=RULES)["Summary"]


def stage(emulator, name: str) -> tuple[str, str]:
    """A REST API with one stage; returns (api id, stage ARN)."""
    apigw = emulator.client("apigateway")
    api = apigw.create_rest_api(name="api")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = apigw.create_deployment(restApiId=api)["id"]
    apigw.create_stage(restApiId=api, stageName=name, deploymentId=deployment)
    return api, f"arn:aws:apigateway:{REGION}::/restapis/{api}/stages/{name}"


@pytest.mark.parametrize("stage_name", ["live-v2", "live_v2"])
def test_the_stage_tells_its_web_acl_until_it_is_disassociated(emulator, stage_name):
    waf = emulator.client("wafv2")
    apigw = emulator.client("apigateway")
    acl = web_acl(emulator)
    api, arn = stage(emulator, stage_name)

    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=arn)
    assert apigw.get_stage(restApiId=api, stageName=stage_name)["webAclArn"] == acl["ARN"]
    assert waf.get_web_acl_for_resource(ResourceArn=arn)["WebACL"]["ARN"] == acl["ARN"]

    waf.disassociate_web_acl(ResourceArn=arn)
    assert "webAclArn" not in apigw.get_stage(restApiId=api, stageName=stage_name)
    assert waf.get_web_acl_for_resource(ResourceArn=arn).get("WebACL") is None


def test_a_new_association_replaces_the_old_one(emulator):
    waf = emulator.client("wafv2")
    first, second = web_acl(emulator, "first"), web_acl(emulator, "second")
    api, arn = stage(emulator, "live")
    waf.associate_web_acl(WebACLArn=first["ARN"], ResourceArn=arn)
    waf.associate_web_acl(WebACLArn=second["ARN"], ResourceArn=arn)
    assert waf.get_web_acl_for_resource(ResourceArn=arn)["WebACL"]["ARN"] == second["ARN"]
    assert emulator.client("apigateway").get_stage(restApiId=api, stageName="live")["webAclArn"] == second["ARN"]
    # The first web ACL is free again: it can be deleted.
    lock = waf.get_web_acl(Name="first", Scope="REGIONAL", Id=first["Id"])["LockToken"]
    waf.delete_web_acl(Name="first", Scope="REGIONAL", Id=first["Id"], LockToken=lock)


def test_a_missing_stage_is_refused(emulator):
    waf = emulator.client("wafv2")
    acl = web_acl(emulator)
    api, _ = stage(emulator, "live")
    with pytest.raises(ClientError) as error:
        waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{api}/stages/gone")
    assert error.value.response["Error"]["Code"] == "WAFNonexistentItemException"


def test_a_stage_of_another_region_is_refused(emulator):
    waf = emulator.client("wafv2")
    acl = web_acl(emulator)
    api, _ = stage(emulator, "live")
    with pytest.raises(ClientError) as error:
        waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=f"arn:aws:apigateway:eu-west-1::/restapis/{api}/stages/live")
    assert error.value.response["Error"]["Code"] == "WAFInvalidParameterException"


def test_a_cloudfront_web_acl_on_a_stage_is_refused(emulator):
    waf = emulator.client("wafv2")
    acl = web_acl(emulator, "edge", scope="CLOUDFRONT")
    _, arn = stage(emulator, "live")
    with pytest.raises(ClientError) as error:
        waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=arn)
    assert error.value.response["Error"]["Code"] == "WAFInvalidParameterException"


def test_a_distribution_takes_its_web_acl_in_its_configuration(emulator):
    waf = emulator.client("wafv2")
    acl = web_acl(emulator)
    with pytest.raises(ClientError) as error:
        waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn="arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE")
    assert error.value.response["Error"]["Code"] == "WAFInvalidParameterException"


def test_a_web_acl_in_use_cannot_be_deleted(emulator):
    waf = emulator.client("wafv2")
    acl = web_acl(emulator)
    _, arn = stage(emulator, "live")
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=arn)
    lock = waf.get_web_acl(Name="api", Scope="REGIONAL", Id=acl["Id"])["LockToken"]
    with pytest.raises(ClientError) as error:
        waf.delete_web_acl(Name="api", Scope="REGIONAL", Id=acl["Id"], LockToken=lock)
    assert error.value.response["Error"]["Code"] == "WAFAssociatedItemException"

    waf.disassociate_web_acl(ResourceArn=arn)
    waf.delete_web_acl(Name="api", Scope="REGIONAL", Id=acl["Id"], LockToken=lock)
    assert waf.list_web_acls(Scope="REGIONAL")["WebACLs"] == []
