"""CloudFront (signing name `cloudfront`): a distribution's viewer certificate read back as AWS
renders it when the distribution has its own certificate.

moto 5.2.5 answers CloudFrontDefaultCertificate=true and CertificateSource "cloudfront" for
every distribution, also one created with an ACM (or IAM) certificate, where AWS answers false
and "acm" (or "iam") with the certificate's ARN (or id) in Certificate. modules/edge requires a
certificate by default (require_custom_certificate, TLSv1.2_2021 for viewers), so every plan
after an apply wanted to change cloudfront_default_certificate from true to false.

The fix sits on moto's ViewerCertificate model (wrapping whatever __init__ is in place, so it
composes with extensions/cloudfront.py's fix of the SSL support method); GetDistribution,
GetDistributionConfig, ListDistributions and UpdateDistribution all read that model.
"""

from __future__ import annotations

from typing import Any

from moto.cloudfront import models as cf_models

_wrapped_init = cf_models.ViewerCertificate.__init__


def _viewer_certificate_init(self: Any, config: dict[str, Any]) -> None:
    _wrapped_init(self, config)
    acm = config.get("ACMCertificateArn") or ""
    iam = config.get("IAMCertificateId") or ""
    if acm or iam:
        self.cloud_front_default_certificate = False
        self.certificate_source = "acm" if acm else "iam"
        self.certificate = acm or iam


cf_models.ViewerCertificate.__init__ = _viewer_certificate_init  # type: ignore[method-assign]
