# Amazon MSK (provisioned) for Pulse: TLS in transit, SASL/SCRAM or IAM client authentication,
# per-topic CloudWatch metrics, broker logs in CloudWatch.

locals {
  name  = var.name
  tags  = merge(var.tags, { "pulse:module" = "msk" })
  scram = var.client_auth == "scram"

  client_port = local.scram ? 9096 : 9098

  server_properties = join("\n", [for k in sort(keys(var.server_properties)) : "${k} = ${var.server_properties[k]}"])
}

resource "aws_security_group" "this" {
  name        = "${local.name}-msk"
  description = "MSK brokers of ${local.name}: client port in from the service only."
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${local.name}-msk" })
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  count = length(var.client_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "Kafka clients (SASL over TLS)"
  ip_protocol                  = "tcp"
  from_port                    = local.client_port
  to_port                      = local.client_port
  referenced_security_group_id = var.client_security_group_ids[count.index]
  tags                         = local.tags
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/msk/${local.name}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

resource "aws_msk_configuration" "this" {
  name              = local.name
  kafka_versions    = [var.kafka_version]
  server_properties = local.server_properties
}

resource "aws_msk_cluster" "this" {
  cluster_name           = local.name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = var.broker_count
  enhanced_monitoring    = var.enhanced_monitoring

  broker_node_group_info {
    instance_type   = var.broker_instance_type
    client_subnets  = var.subnet_ids
    security_groups = [aws_security_group.this.id]

    storage_info {
      ebs_storage_info {
        volume_size = var.ebs_volume_size
      }
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.this.arn
    revision = aws_msk_configuration.this.latest_revision
  }

  client_authentication {
    unauthenticated = false
    sasl {
      scram = local.scram
      iam   = !local.scram
    }
  }

  encryption_info {
    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.this.name
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.broker_count % length(var.subnet_ids) == 0
      error_message = "broker_count must be a multiple of the number of subnets."
    }
  }

  tags = local.tags
}

# --- SASL/SCRAM user: a secret named AmazonMSK_*, encrypted with a customer-managed key ----------

resource "aws_kms_key" "this" {
  count = local.scram ? 1 : 0

  description             = "MSK SCRAM credentials of ${local.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  tags                    = local.tags
}

resource "aws_secretsmanager_secret" "this" {
  count = local.scram ? 1 : 0

  name                    = "AmazonMSK_${local.name}"
  description             = "SASL/SCRAM user of ${local.name} on MSK"
  kms_key_id              = aws_kms_key.this[0].arn
  recovery_window_in_days = 7
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "this" {
  count = local.scram ? 1 : 0

  secret_id                = aws_secretsmanager_secret.this[0].id
  secret_string_wo         = jsonencode({ username = var.scram_username, password = var.scram_password })
  secret_string_wo_version = var.scram_secret_version

  lifecycle {
    precondition {
      condition     = var.scram_username != null && nonsensitive(var.scram_password != null)
      error_message = "client_auth = \"scram\" needs scram_username and scram_password."
    }
  }
}

resource "aws_secretsmanager_secret_policy" "this" {
  count = local.scram ? 1 : 0

  secret_arn = aws_secretsmanager_secret.this[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AWSKafkaResourcePolicy"
      Effect    = "Allow"
      Principal = { Service = "kafka.amazonaws.com" }
      Action    = "secretsmanager:getSecretValue"
      Resource  = aws_secretsmanager_secret.this[0].arn
    }]
  })
}

resource "aws_msk_scram_secret_association" "this" {
  count = local.scram ? 1 : 0

  cluster_arn     = aws_msk_cluster.this.arn
  secret_arn_list = [aws_secretsmanager_secret.this[0].arn]

  depends_on = [aws_secretsmanager_secret_version.this, aws_secretsmanager_secret_policy.this]
}
