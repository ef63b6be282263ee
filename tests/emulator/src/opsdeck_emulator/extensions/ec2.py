"""EC2: descriptions of security group rules that reference another group.

moto keeps a rule's description in one of two places: CIDR rules in `rule.ip_range`, rules that
reference a group in `rule.source_group` (the UserIdGroupPair it was authorized with). But
`SecurityGroupRule.description`, which DescribeSecurityGroupRules renders, reads `ip_range` only,
so every group-referencing rule comes back without its Description, and ModifySecurityGroupRules
writes a new description into `ip_range`, where DescribeSecurityGroups (which reads the pair)
never sees it. hashicorp/aws's aws_vpc_security_group_{ingress,egress}_rule reads rules back
with DescribeSecurityGroupRules, so every plan wanted to set the description again.

  DescribeSecurityGroupRules  wraps moto's: a rule that references a group gets the pair's
                              Description, as AWS returns it.
  ModifySecurityGroupRules    wraps moto's: a new description of such a rule is moved into the
                              pair, the one place both Describe operations read.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends
from moto.ec2.models.security_groups import SecurityGroupRule
from moto.ec2.responses import EC2Response

from . import Call, operation


@operation("ec2", "DescribeSecurityGroupRules", EC2Response)
def describe_security_group_rules(call: Call) -> ActionResult:
    result = call.response.describe_security_group_rules()
    rules: list[SecurityGroupRule] = result.result["SecurityGroupRules"]  # type: ignore[index]
    for rule in rules:
        description = rule.source_group.get("Description")
        if description is not None and "Description" not in rule.ip_range:
            # moto hands out shallow copies of its rules: give the copy its own ip_range dict,
            # so the stored rule stays as moto keeps it.
            rule.ip_range = {**rule.ip_range, "Description": description}
    return result


@operation("ec2", "ModifySecurityGroupRules", EC2Response)
def modify_security_group_rules(call: Call) -> ActionResult:
    result = call.response.modify_security_group_rules()
    backend: Any = call.backend(ec2_backends)
    group = backend.get_security_group_by_name_or_id(call.param("GroupId"))
    for request in call.param("SecurityGroupRules", []):
        rule = group.get_rule(request["SecurityGroupRuleId"]) if group is not None else None
        if rule is not None and rule.source_group and "Description" in rule.ip_range:
            rule.source_group["Description"] = rule.ip_range.pop("Description")
    return result
