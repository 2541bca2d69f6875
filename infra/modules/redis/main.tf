# ElastiCache for Redis OSS for Pulse's dashboard cache: encrypted at rest and in transit (rediss://),
# AUTH token, Multi-AZ failover with two or more nodes.

locals {
  name     = var.name
  tags     = merge(var.tags, { "pulse:module" = "redis" })
  failover = var.num_cache_clusters > 1
}

resource "aws_security_group" "this" {
  name        = "${local.name}-redis"
  description = "Redis of ${local.name}: Redis port in from the service only."
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${local.name}-redis" })
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  count = length(var.client_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "Redis clients"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = var.client_security_group_ids[count.index]
  tags                         = local.tags
}

resource "aws_elasticache_subnet_group" "this" {
  name       = local.name
  subnet_ids = var.subnet_ids
  tags       = local.tags
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id       = local.name
  description                = "Pulse dashboard cache (${local.name})"
  engine                     = "redis"
  engine_version             = var.engine_version
  node_type                  = var.node_type
  num_cache_clusters         = var.num_cache_clusters
  port                       = var.port
  subnet_group_name          = aws_elasticache_subnet_group.this.name
  security_group_ids         = [aws_security_group.this.id]
  automatic_failover_enabled = local.failover
  multi_az_enabled           = local.failover
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  auth_token                 = var.auth_token
  snapshot_retention_limit   = var.snapshot_retention_limit
  apply_immediately          = false
  tags                       = local.tags
}
