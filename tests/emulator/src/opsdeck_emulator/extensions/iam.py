"""IAM: the AWS-managed policies (arn:aws:iam::aws:policy/...) exist, as in every real account.

moto ships them but loads them only with MOTO_IAM_LOAD_MANAGED_POLICIES=true (or its
`iam.load_aws_managed_policies` setting); without them, attaching e.g.
`service-role/AmazonRDSEnhancedMonitoringRole` fails with NoSuchEntity. moto's own loading is
slow for an emulator that is reset before every test: it parses its 4.7 MB policy file and
re-serializes every document each time it builds an IAM backend, and it builds one per
partition (aws, aws-cn, aws-us-gov, aws-iso, ...) of every account, twice around each reset:
about 2.5 s per reset on the 2-core machine. So we replace moto's loader (a model fix, no
operation is involved): the file is parsed once per process, and the policies are built for the
`aws` partition only, the one the emulator serves. moto's setting and variable no longer matter.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, IAMBackend, ManagedPolicy

SERVED_PARTITION = "aws"

# name -> (policy data, its document as moto stores it: a JSON string), built once.
_POLICIES: dict[str, tuple[dict[str, Any], str]] = {
    name: (data, json.dumps(data.get("Document")))
    for name, data in json.loads(aws_managed_policies_data).items()
}


def _init_aws_policies(backend: IAMBackend) -> list[ManagedPolicy]:
    if backend.partition != SERVED_PARTITION:
        return []
    # Fresh objects per backend: moto counts attachments on them, and a reset must clear that.
    return [
        AWSManagedPolicy(
            name,
            account_id=backend.account_id,
            region=backend.region_name,
            default_version_id=data.get("DefaultVersionId"),
            path=data.get("Path"),
            document=document,
            create_date=datetime.fromisoformat(data["CreateDate"]),
            update_date=datetime.fromisoformat(data["UpdateDate"]),
        )
        for name, (data, document) in _POLICIES.items()
    ]


IAMBackend._init_aws_policies = _init_aws_policies  # type: ignore[method-assign,assignment]
