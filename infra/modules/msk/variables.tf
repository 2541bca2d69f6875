variable "name" {
  description = "Cluster name and name prefix, e.g. \"pulse-prod\"."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC of the brokers."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the brokers, one per AZ (2 or 3)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect to the brokers on the client port."
  type        = list(string)
  default     = []
}

variable "kafka_version" {
  description = "Apache Kafka version of the cluster."
  type        = string
  default     = "3.6.0"
}

variable "broker_instance_type" {
  description = "Broker instance type."
  type        = string
  default     = "kafka.m7g.large"
}

variable "broker_count" {
  description = "Number of brokers; a multiple of the number of subnets."
  type        = number
  default     = 3
}

variable "ebs_volume_size" {
  description = "EBS storage per broker, GiB."
  type        = number
  default     = 100
}

variable "client_auth" {
  description = "Client authentication: \"scram\" (SASL/SCRAM-SHA-512, port 9096) or \"iam\" (MSK IAM, port 9098)."
  type        = string
  default     = "scram"

  validation {
    condition     = contains(["scram", "iam"], var.client_auth)
    error_message = "client_auth must be \"scram\" or \"iam\"."
  }
}

variable "scram_username" {
  description = "SASL/SCRAM user of the application (client_auth = \"scram\")."
  type        = string
  default     = null
}

variable "scram_password" {
  description = "SASL/SCRAM password of that user; written write-only to Secrets Manager, never to state."
  type        = string
  default     = null
  sensitive   = true
}

variable "scram_secret_version" {
  description = "Bump to write a changed scram_password (write-only values are not compared)."
  type        = number
  default     = 1
}

variable "server_properties" {
  description = "Broker configuration (server.properties) entries."
  type        = map(string)
  default = {
    "auto.create.topics.enable"  = "false"
    "default.replication.factor" = "3"
    "min.insync.replicas"        = "2"
    "num.partitions"             = "3"
  }
}

variable "enhanced_monitoring" {
  description = "CloudWatch monitoring level; PER_TOPIC_PER_BROKER publishes the per-topic metrics the DLQ alarm uses."
  type        = string
  default     = "PER_TOPIC_PER_BROKER"
}

variable "log_retention_days" {
  description = "Retention of the broker log group."
  type        = number
  default     = 14
}
