"""API Gateway authorizers read back as created (envs/prod's TOKEN authorizer)."""

from __future__ import annotations

LAMBDA = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:authorizer:live/invocations"


def test_a_token_authorizer_keeps_its_identity_validation_expression(emulator):
    apigw = emulator.client("apigateway")
    api = apigw.create_rest_api(name="api")["id"]
    created = apigw.create_authorizer(
        restApiId=api,
        name="jwt",
        type="TOKEN",
        authorizerUri=LAMBDA,
        identitySource="method.request.header.Authorization",
        identityValidationExpression="^Bearer [-0-9A-Za-z._~+/]+=*$",
        authorizerResultTtlInSeconds=300,
    )
    assert created["identityValidationExpression"] == "^Bearer [-0-9A-Za-z._~+/]+=*$"
    read = apigw.get_authorizer(restApiId=api, authorizerId=created["id"])
    assert read["identityValidationExpression"] == "^Bearer [-0-9A-Za-z._~+/]+=*$"
    assert read["authorizerResultTtlInSeconds"] == 300
    assert read["authorizerUri"] == LAMBDA


def test_an_authorizer_without_an_expression_has_none(emulator):
    apigw = emulator.client("apigateway")
    api = apigw.create_rest_api(name="api")["id"]
    created = apigw.create_authorizer(
        restApiId=api, name="jwt", type="TOKEN", authorizerUri=LAMBDA, identitySource="method.request.header.Authorization"
    )
    assert "identityValidationExpression" not in apigw.get_authorizer(restApiId=api, authorizerId=created["id"])
