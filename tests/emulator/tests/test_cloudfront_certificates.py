"""CloudFront: a distribution with its own certificate reads back as AWS renders it
(modules/edge requires one by default)."""

from __future__ import annotations

ORIGIN = {"Id": "api", "DomainName": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", "OriginPath": "/live",
          "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only",
                                 "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]}}}  # fmt: skip


def _distribution(cf, reference: str, certificate: dict) -> str:
    config = {
        "CallerReference": reference,
        "Comment": "test",
        "Enabled": True,
        "Aliases": {"Quantity": 1, "Items": ["www.example.test"]} if "ACMCertificateArn" in certificate else {"Quantity": 0},
        "Origins": {"Quantity": 1, "Items": [ORIGIN]},
        "DefaultCacheBehavior": {"TargetOriginId": "api", "ViewerProtocolPolicy": "https-only",
                                 "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},  # fmt: skip
        "ViewerCertificate": certificate,
    }
    return cf.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def test_an_acm_certificate_is_not_the_default_certificate(emulator):
    cf = emulator.client("cloudfront")
    arn = emulator.client("acm").request_certificate(DomainName="www.example.test", ValidationMethod="DNS")["CertificateArn"]
    dist = _distribution(cf, "acm", {"ACMCertificateArn": arn, "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"})

    for read in (cf.get_distribution(Id=dist)["Distribution"]["DistributionConfig"], cf.get_distribution_config(Id=dist)["DistributionConfig"]):
        certificate = read["ViewerCertificate"]
        assert certificate["CloudFrontDefaultCertificate"] is False
        assert certificate["ACMCertificateArn"] == arn
        assert certificate["CertificateSource"] == "acm"
        assert certificate["Certificate"] == arn
        assert certificate["MinimumProtocolVersion"] == "TLSv1.2_2021"
        assert certificate["SSLSupportMethod"] == "sni-only"


def test_the_default_certificate_is_still_the_default(emulator):
    cf = emulator.client("cloudfront")
    dist = _distribution(cf, "default", {"CloudFrontDefaultCertificate": True})
    certificate = cf.get_distribution_config(Id=dist)["DistributionConfig"]["ViewerCertificate"]
    assert certificate["CloudFrontDefaultCertificate"] is True
    assert certificate["CertificateSource"] == "cloudfront"
    assert "ACMCertificateArn" not in certificate or not certificate["ACMCertificateArn"]
