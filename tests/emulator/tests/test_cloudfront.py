"""CloudFront: origin access identities, cache and response headers policies (missing in moto), and
a distribution's origin access settings, behaviour and certificate read back as AWS renders them."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

CACHE_CONFIG = {
    "Name": "frontend",
    "Comment": "one hour",
    "DefaultTTL": 3600,
    "MaxTTL": 86400,
    "MinTTL": 0,
    "ParametersInCacheKeyAndForwardedToOrigin": {
        "EnableAcceptEncodingGzip": True,
        "EnableAcceptEncodingBrotli": True,
        "HeadersConfig": {"HeaderBehavior": "none"},
        "CookiesConfig": {"CookieBehavior": "none"},
        "QueryStringsConfig": {"QueryStringBehavior": "whitelist", "QueryStrings": {"Quantity": 1, "Items": ["v"]}},
    },
}
HEADERS_CONFIG = {
    "Name": "security-headers",
    "Comment": "HSTS and friends",
    "SecurityHeadersConfig": {
        "StrictTransportSecurity": {"Override": True, "IncludeSubdomains": True, "Preload": False, "AccessControlMaxAgeSec": 63072000},
        "ContentSecurityPolicy": {"Override": True, "ContentSecurityPolicy": "default-src 'self'"},
        "ContentTypeOptions": {"Override": True},
        "FrameOptions": {"Override": True, "FrameOption": "DENY"},
        "ReferrerPolicy": {"Override": True, "ReferrerPolicy": "strict-origin-when-cross-origin"},
    },
}


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return error.value.response["Error"]["Code"]


def _distribution(cf, origin, behavior_extra, reference="ref"):
    behavior = {"TargetOriginId": origin["Id"], "ViewerProtocolPolicy": "https-only", **behavior_extra}
    config = {
        "CallerReference": reference,
        "Comment": "test",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": behavior,
    }
    return cf.create_distribution(DistributionConfig=config)["Distribution"]


def test_origin_access_identity_life_cycle(emulator):
    cf = emulator.client("cloudfront")
    created = cf.create_cloud_front_origin_access_identity(
        CloudFrontOriginAccessIdentityConfig={"CallerReference": "r1", "Comment": "reads the bucket"}
    )
    identity = created["CloudFrontOriginAccessIdentity"]
    assert created["Location"].endswith(f"/origin-access-identity/cloudfront/{identity['Id']}")
    assert len(identity["S3CanonicalUserId"]) == 96
    got = cf.get_cloud_front_origin_access_identity(Id=identity["Id"])
    assert got["ETag"] == created["ETag"]
    assert got["CloudFrontOriginAccessIdentity"]["CloudFrontOriginAccessIdentityConfig"]["Comment"] == "reads the bucket"

    # the same caller reference with another config is refused; with the same one it is idempotent
    with pytest.raises(ClientError) as error:
        cf.create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig={"CallerReference": "r1", "Comment": "other"})
    assert _code(error) == "CloudFrontOriginAccessIdentityAlreadyExists"

    with pytest.raises(ClientError) as error:
        cf.update_cloud_front_origin_access_identity(
            Id=identity["Id"], IfMatch="stale", CloudFrontOriginAccessIdentityConfig={"CallerReference": "r1", "Comment": "new"}
        )
    assert _code(error) == "PreconditionFailed"
    updated = cf.update_cloud_front_origin_access_identity(
        Id=identity["Id"], IfMatch=got["ETag"], CloudFrontOriginAccessIdentityConfig={"CallerReference": "r1", "Comment": "new"}
    )
    assert updated["ETag"] != got["ETag"]
    config = cf.get_cloud_front_origin_access_identity_config(Id=identity["Id"])
    assert config["CloudFrontOriginAccessIdentityConfig"] == {"CallerReference": "r1", "Comment": "new"}

    listed = cf.list_cloud_front_origin_access_identities()["CloudFrontOriginAccessIdentityList"]
    assert [i["Id"] for i in listed["Items"]] == [identity["Id"]] and listed["Quantity"] == 1

    cf.delete_cloud_front_origin_access_identity(Id=identity["Id"], IfMatch=updated["ETag"])
    with pytest.raises(ClientError) as error:
        cf.get_cloud_front_origin_access_identity(Id=identity["Id"])
    assert _code(error) == "NoSuchCloudFrontOriginAccessIdentity"


def test_an_identity_in_use_cannot_be_deleted_and_reads_back_on_the_origin(emulator):
    cf = emulator.client("cloudfront")
    created = cf.create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig={"CallerReference": "r", "Comment": ""})
    path = f"origin-access-identity/cloudfront/{created['CloudFrontOriginAccessIdentity']['Id']}"
    origin = {"Id": "s3", "DomainName": "b.s3.us-east-1.amazonaws.com", "OriginPath": "/v1", "S3OriginConfig": {"OriginAccessIdentity": path}}
    dist = _distribution(cf, origin, {"ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}}, "MinTTL": 0})
    read = cf.get_distribution(Id=dist["Id"])["Distribution"]["DistributionConfig"]["Origins"]["Items"][0]
    assert read["S3OriginConfig"] == {"OriginAccessIdentity": path}
    assert read["OriginPath"] == "/v1"
    with pytest.raises(ClientError) as error:
        cf.delete_cloud_front_origin_access_identity(Id=created["CloudFrontOriginAccessIdentity"]["Id"], IfMatch=created["ETag"])
    assert _code(error) == "CloudFrontOriginAccessIdentityInUse"


def test_cache_policy_life_cycle(emulator):
    cf = emulator.client("cloudfront")
    created = cf.create_cache_policy(CachePolicyConfig=CACHE_CONFIG)
    policy_id = created["CachePolicy"]["Id"]
    got = cf.get_cache_policy(Id=policy_id)
    assert got["CachePolicy"]["CachePolicyConfig"] == CACHE_CONFIG
    assert got["ETag"] == created["ETag"] and "LastModifiedTime" in got["CachePolicy"]
    assert cf.get_cache_policy_config(Id=policy_id)["CachePolicyConfig"]["DefaultTTL"] == 3600

    with pytest.raises(ClientError) as error:
        cf.create_cache_policy(CachePolicyConfig=CACHE_CONFIG)
    assert _code(error) == "CachePolicyAlreadyExists"
    with pytest.raises(ClientError) as error:
        cf.update_cache_policy(Id=policy_id, IfMatch="", CachePolicyConfig=CACHE_CONFIG)
    assert _code(error) in ("InvalidIfMatchVersion", "PreconditionFailed")

    changed = {**CACHE_CONFIG, "DefaultTTL": 600}
    updated = cf.update_cache_policy(Id=policy_id, IfMatch=got["ETag"], CachePolicyConfig=changed)
    assert updated["CachePolicy"]["CachePolicyConfig"]["DefaultTTL"] == 600

    listed = cf.list_cache_policies(Type="custom")["CachePolicyList"]
    assert [i["CachePolicy"]["Id"] for i in listed["Items"]] == [policy_id] and listed["Items"][0]["Type"] == "custom"
    assert cf.list_cache_policies(Type="managed")["CachePolicyList"]["Quantity"] == 0

    with pytest.raises(ClientError) as error:
        cf.update_cache_policy(Id=policy_id, IfMatch=got["ETag"], CachePolicyConfig=changed)  # stale ETag
    assert _code(error) == "PreconditionFailed"
    cf.delete_cache_policy(Id=policy_id, IfMatch=updated["ETag"])
    with pytest.raises(ClientError) as error:
        cf.get_cache_policy(Id=policy_id)
    assert _code(error) == "NoSuchCachePolicy"


def test_ttls_out_of_order_are_refused(emulator):
    with pytest.raises(ClientError) as error:
        emulator.client("cloudfront").create_cache_policy(CachePolicyConfig={**CACHE_CONFIG, "MinTTL": 7200})
    assert _code(error) == "InvalidArgument"


def test_response_headers_policy_life_cycle(emulator):
    cf = emulator.client("cloudfront")
    created = cf.create_response_headers_policy(ResponseHeadersPolicyConfig=HEADERS_CONFIG)
    policy_id = created["ResponseHeadersPolicy"]["Id"]
    got = cf.get_response_headers_policy(Id=policy_id)["ResponseHeadersPolicy"]
    assert got["ResponseHeadersPolicyConfig"] == HEADERS_CONFIG
    config = cf.get_response_headers_policy_config(Id=policy_id)
    assert config["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["FrameOptions"]["FrameOption"] == "DENY"
    listed = cf.list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"]
    assert [i["ResponseHeadersPolicy"]["Id"] for i in listed["Items"]] == [policy_id]
    cf.delete_response_headers_policy(Id=policy_id, IfMatch=config["ETag"])
    with pytest.raises(ClientError) as error:
        cf.get_response_headers_policy(Id=policy_id)
    assert _code(error) == "NoSuchResponseHeadersPolicy"


def test_distribution_reads_back_access_control_policies_and_default_certificate(emulator):
    cf = emulator.client("cloudfront")
    control = cf.create_origin_access_control(OriginAccessControlConfig={
        "Name": "oac", "SigningProtocol": "sigv4", "SigningBehavior": "always", "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]  # fmt: skip
    cache = cf.create_cache_policy(CachePolicyConfig=CACHE_CONFIG)["CachePolicy"]["Id"]
    headers = cf.create_response_headers_policy(ResponseHeadersPolicyConfig=HEADERS_CONFIG)
    origin = {"Id": "s3", "DomainName": "b.s3.us-east-1.amazonaws.com", "OriginPath": "/v2",
              "OriginAccessControlId": control["Id"], "S3OriginConfig": {"OriginAccessIdentity": ""}}  # fmt: skip
    dist = _distribution(cf, origin, {"CachePolicyId": cache, "ResponseHeadersPolicyId": headers["ResponseHeadersPolicy"]["Id"]})

    config = cf.get_distribution_config(Id=dist["Id"])["DistributionConfig"]
    read_origin = config["Origins"]["Items"][0]
    assert read_origin["OriginAccessControlId"] == control["Id"]
    assert read_origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    behavior = config["DefaultCacheBehavior"]
    assert behavior["CachePolicyId"] == cache
    assert behavior["ResponseHeadersPolicyId"] == headers["ResponseHeadersPolicy"]["Id"]
    assert "ForwardedValues" not in behavior  # a cache policy replaces the legacy settings
    certificate = config["ViewerCertificate"]
    assert certificate["CloudFrontDefaultCertificate"] is True and "SSLSupportMethod" not in certificate

    # a policy in use cannot be deleted
    with pytest.raises(ClientError) as error:
        cf.delete_response_headers_policy(Id=headers["ResponseHeadersPolicy"]["Id"], IfMatch=headers["ETag"])
    assert _code(error) == "ResponseHeadersPolicyInUse"


def test_a_distribution_with_its_own_certificate_does_not_read_back_the_default_one(emulator):
    cf = emulator.client("cloudfront")
    origin = {"Id": "s3", "DomainName": "b.s3.us-east-1.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    config = {
        "CallerReference": "own-certificate", "Comment": "test", "Enabled": True,
        "Aliases": {"Quantity": 1, "Items": ["app.example.com"]},
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "https-only",
                                 "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                                 "MinTTL": 0},
        # As Terraform sends it: CloudFrontDefaultCertificate left out when false.
        "ViewerCertificate": {"ACMCertificateArn": certificate_arn,
                              "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"},
    }  # fmt: skip
    dist = cf.create_distribution(DistributionConfig=config)["Distribution"]
    certificate = cf.get_distribution_config(Id=dist["Id"])["DistributionConfig"]["ViewerCertificate"]
    assert certificate["CloudFrontDefaultCertificate"] is False
    assert certificate["ACMCertificateArn"] == certificate_arn
    assert certificate["CertificateSource"] == "acm"
    assert (certificate["SSLSupportMethod"], certificate["MinimumProtocolVersion"]) == ("sni-only", "TLSv1.2_2021")
