variable "name" {
  description = "Replication group ID and name prefix, e.g. \"pulse-prod\" (at most 40 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.name))
    error_message = "name must be 1-40 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC of the cache nodes."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the cache nodes."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on the Redis port."
  type        = list(string)
  default     = []
}

variable "engine_version" {
  description = "Redis OSS engine version."
  type        = string
  default     = "7.1"
}

variable "node_type" {
  description = "Cache node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "num_cache_clusters" {
  description = "Nodes in the replication group (1 primary + replicas); 2 or more enables Multi-AZ failover."
  type        = number
  default     = 2
}

variable "port" {
  description = "Redis port."
  type        = number
  default     = 6379
}

variable "auth_token" {
  description = "Redis AUTH password (16-128 letters and digits). ElastiCache keeps it in state: use an encrypted backend."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9]{16,128}$", var.auth_token))
    error_message = "auth_token must be 16-128 letters and digits."
  }
}

variable "snapshot_retention_limit" {
  description = "Days of automatic snapshots (0 disables); the cache can be rebuilt from Kafka, so 1 is plenty."
  type        = number
  default     = 1
}
