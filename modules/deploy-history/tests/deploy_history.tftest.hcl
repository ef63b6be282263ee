# Plan-level tests of the deploy history table (R2.4, R8.2-c, R4.4, N1)
# against a mocked AWS provider: no credentials, no emulator. The key ARN is
# pinned with override_during = plan so the assertions can compare it.

mock_provider "aws" {
  override_data {
    target = data.aws_region.current
    values = { id = "ap-northeast-1", name = "ap-northeast-1" }
  }
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
  override_data {
    target = data.aws_partition.current
    values = { partition = "aws", dns_suffix = "amazonaws.com", reverse_dns_prefix = "com.amazonaws" }
  }
  mock_resource "aws_dynamodb_table" {
    override_during = plan
    defaults        = { arn = "arn:aws:dynamodb:ap-northeast-1:123456789012:table/opsdeck-deploy-history" }
  }
}

variables {
  name = "opsdeck-deploy-history"
}

override_resource {
  target          = aws_kms_key.this[0]
  override_during = plan
  values = {
    arn    = "arn:aws:kms:ap-northeast-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    key_id = "11111111-2222-3333-4444-555555555555"
  }
}

run "table_is_on_demand_with_the_provider_key_schema" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.billing_mode == "PAY_PER_REQUEST"
    error_message = "the history table must be on-demand (PAY_PER_REQUEST)"
  }
  assert {
    condition     = aws_dynamodb_table.this.hash_key == "pk" && aws_dynamodb_table.this.range_key == "sk"
    error_message = "keys must be pk (partition) and sk (sort), as provider/src/deploy_history reads them"
  }
  assert {
    condition     = length(aws_dynamodb_table.this.attribute) == 2 && alltrue([for a in aws_dynamodb_table.this.attribute : a.type == "S" && contains(["pk", "sk"], a.name)])
    error_message = "pk and sk must be the only attributes, both strings"
  }
  assert {
    condition     = aws_dynamodb_table.this.name == "opsdeck-deploy-history"
    error_message = "the default table name changed"
  }
  assert {
    condition     = output.partition_key == "pk" && output.sort_key == "sk"
    error_message = "the key outputs must name the key attributes"
  }
}

run "point_in_time_recovery_and_deletion_protection_are_on" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.point_in_time_recovery[0].enabled
    error_message = "point-in-time recovery must be on (N1)"
  }
  assert {
    condition     = aws_dynamodb_table.this.deletion_protection_enabled
    error_message = "deletion protection must be on by default (history is never erased)"
  }
}

run "table_is_encrypted_with_its_own_rotating_customer_key" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.server_side_encryption[0].enabled
    error_message = "server-side encryption with a customer key must be on"
  }
  assert {
    condition     = aws_dynamodb_table.this.server_side_encryption[0].kms_key_arn == "arn:aws:kms:ap-northeast-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    error_message = "the table must use the module's key"
  }
  assert {
    condition     = length(aws_kms_key.this) == 1 && aws_kms_key.this[0].enable_key_rotation
    error_message = "the module must create one key with rotation"
  }
  assert {
    condition     = aws_kms_alias.this[0].name == "alias/opsdeck-deploy-history"
    error_message = "the key alias must be alias/<name>"
  }
  assert {
    condition     = output.kms_key_arn == "arn:aws:kms:ap-northeast-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    error_message = "kms_key_arn output must be the table's key"
  }
}

run "key_policy_lets_the_account_use_the_key_only_through_dynamodb" {
  command = plan

  assert {
    condition     = length(jsondecode(aws_kms_key.this[0].policy).Statement) == 2
    error_message = "the key policy must have an administration and a use statement"
  }
  # Issue 16, item 8: the administration statement is an allow-list; kms:Create* (which
  # includes CreateGrant, a use of the key) or any use action fails here.
  assert {
    condition = jsondecode(aws_kms_key.this[0].policy).Statement[0].Action == [
      "kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
      "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
      "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
    ]
    error_message = "the administration statement must list exactly the administrative actions (no kms:Create*, which includes CreateGrant; no decryption; no kms:*)"
  }
  assert {
    condition     = jsondecode(aws_kms_key.this[0].policy).Statement[1].Action == ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"]
    error_message = "the use statement must list exactly what DynamoDB needs of the key"
  }
  assert {
    condition     = jsondecode(aws_kms_key.this[0].policy).Statement[1].Condition.StringEquals["kms:ViaService"] == "dynamodb.ap-northeast-1.amazonaws.com"
    error_message = "key use must be limited to DynamoDB in the table's region"
  }
  assert {
    condition     = jsondecode(aws_kms_key.this[0].policy).Statement[1].Condition.StringEquals["kms:CallerAccount"] == "123456789012"
    error_message = "key use must be limited to the account"
  }
  assert {
    condition     = jsondecode(aws_kms_key.this[0].policy).Statement[0].Principal.AWS == "arn:aws:iam::123456789012:root"
    error_message = "the account must administer the key through IAM"
  }
}

# Issue 16, finding 5: the writer and reader policies are asserted exactly (every action and
# resource), so adding "dynamodb:*", UpdateItem or a second resource fails, where the old
# assertions only looked for the absence of two actions.
run "writer_policy_appends_and_never_updates_or_deletes" {
  command = plan

  assert {
    condition = jsondecode(output.writer_policy_json) == {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "AppendAndReadDeployHistory"
          Effect   = "Allow"
          Action   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:DescribeTable"]
          Resource = "arn:aws:dynamodb:ap-northeast-1:123456789012:table/opsdeck-deploy-history"
        },
        {
          Sid       = "UseHistoryKeyThroughDynamoDB"
          Effect    = "Allow"
          Action    = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
          Resource  = "arn:aws:kms:ap-northeast-1:123456789012:key/11111111-2222-3333-4444-555555555555"
          Condition = { StringEquals = { "kms:ViaService" = "dynamodb.ap-northeast-1.amazonaws.com" } }
        },
      ]
    }
    error_message = "the writer may put, get, query and describe the history table and use its key through DynamoDB, and nothing else (no update, no delete, no wildcard)"
  }
  assert {
    condition = jsondecode(output.reader_policy_json) == {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "ReadDeployHistory"
          Effect   = "Allow"
          Action   = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:DescribeTable"]
          Resource = "arn:aws:dynamodb:ap-northeast-1:123456789012:table/opsdeck-deploy-history"
        },
        {
          Sid       = "UseHistoryKeyThroughDynamoDB"
          Effect    = "Allow"
          Action    = ["kms:Decrypt", "kms:DescribeKey"]
          Resource  = "arn:aws:kms:ap-northeast-1:123456789012:key/11111111-2222-3333-4444-555555555555"
          Condition = { StringEquals = { "kms:ViaService" = "dynamodb.ap-northeast-1.amazonaws.com" } }
        },
      ]
    }
    error_message = "the reader may only read the history table and decrypt through DynamoDB"
  }
}

run "alias_with_a_unique_suffix_on_request" {
  command = plan

  variables {
    kms_alias_use_name_prefix = true
  }

  assert {
    condition     = aws_kms_alias.this[0].name_prefix == "alias/opsdeck-deploy-history-"
    error_message = "kms_alias_use_name_prefix must give the alias a unique suffix"
  }
}

run "an_existing_key_replaces_the_module_key" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:ap-northeast-1:123456789012:key/99999999-0000-0000-0000-000000000000"
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && length(aws_kms_alias.this) == 0
    error_message = "no key may be created when kms_key_arn is given"
  }
  assert {
    condition     = aws_dynamodb_table.this.server_side_encryption[0].kms_key_arn == var.kms_key_arn
    error_message = "the table must use the given key"
  }
}

run "deletion_protection_can_be_turned_off_for_throwaway_copies" {
  command = plan

  variables {
    deletion_protection_enabled = false
    name                        = "opsdeck-deploy-history-test"
    tags                        = { Environment = "test" }
  }

  assert {
    condition     = !aws_dynamodb_table.this.deletion_protection_enabled
    error_message = "deletion_protection_enabled = false must reach the table"
  }
  assert {
    condition     = aws_dynamodb_table.this.tags["Environment"] == "test" && aws_dynamodb_table.this.tags["Name"] == "opsdeck-deploy-history-test"
    error_message = "tags must reach the table, with Name"
  }
}
