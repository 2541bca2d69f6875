# --- identity and placement ----------------------------------------------------------------------

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}

variable "project" {
  description = "Project name; first part of every resource name."
  type        = string
  default     = "pulse"
}

variable "environment" {
  description = "Environment name (prod, staging, ...); second part of every resource name."
  type        = string
  default     = "prod"
}

variable "tags" {
  description = "Extra tags on every resource (merged over Project, Environment, ManagedBy)."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "Existing VPC to deploy into."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets (two or more AZs) for the internet-facing ALB."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Private subnets with NAT (or VPC endpoints) for the tasks, MSK and Redis; MSK uses one per AZ (2 or 3)."
  type        = list(string)
}

# --- the service ---------------------------------------------------------------------------------

variable "image_tag" {
  description = "Tag of the Pulse image in the ECR repository this configuration creates (tags are immutable: use a version or git SHA)."
  type        = string
}

variable "ecr_repository_name" {
  description = "Name of the ECR repository. Null: \"<project>-<environment>\"."
  type        = string
  default     = null
}

variable "container_port" {
  description = "HTTP port of Pulse (MICRONAUT_SERVER_PORT)."
  type        = number
  default     = 8080
}

variable "task_cpu" {
  description = "Fargate task CPU units."
  type        = number
  default     = 1024
}

variable "task_memory" {
  description = "Fargate task memory (MiB), valid for task_cpu."
  type        = number
  default     = 2048
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64, matching the image you push."
  type        = string
  default     = "X86_64"
}

variable "desired_count" {
  description = "Tasks at the first deployment; autoscaling takes over afterwards."
  type        = number
  default     = 2
}

variable "min_count" {
  description = "Autoscaling minimum number of tasks."
  type        = number
  default     = 2
}

variable "max_count" {
  description = "Autoscaling maximum number of tasks (useful up to the number of input partitions)."
  type        = number
  default     = 6
}

variable "cpu_target" {
  description = "Average CPU utilisation (%) the CPU policy keeps the service at."
  type        = number
  default     = 60
}

variable "lag_target_per_task" {
  description = "Lag (records) per running task that each consumer group's lag policy keeps the service at."
  type        = number
  default     = 1000
}

variable "pulse_demo_enabled" {
  description = "PULSE_DEMO_ENABLED: generate demo traffic. Keep false in production."
  type        = bool
  default     = false
}

variable "extra_environment" {
  description = "More plain environment variables for the container (e.g. JAVA_OPTS, business settings); they win over the defaults. Every task gets the same values: nothing here may name one task."
  type        = map(string)
  default     = {}

  validation {
    condition     = !contains(keys(var.extra_environment), "PULSE_ADVERTISED_HOST")
    error_message = "Do not set PULSE_ADVERTISED_HOST: every task would advertise the same address; Pulse finds each task's own in the ECS task metadata."
  }
}

variable "redis_prefix" {
  description = "PULSE_REDIS_PREFIX: first part of every Redis key Pulse writes. Give each environment its own when several share one Redis."
  type        = string
  default     = "pulse"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]*$", var.redis_prefix))
    error_message = "redis_prefix must start with a letter or digit and hold letters, digits, '.', '_' and '-' only."
  }
}

variable "alb_ingress_cidrs" {
  description = "IPv4 CIDRs allowed to reach the ALB on 80/443."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "certificate_arn" {
  description = "ACM certificate ARN for HTTPS on 443 (80 then redirects). Null: plain HTTP on 80."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Retention of the container logs."
  type        = number
  default     = 30
}

variable "enable_execute_command" {
  description = "Allow `aws ecs execute-command` into the tasks."
  type        = bool
  default     = false
}

# --- secrets -------------------------------------------------------------------------------------

variable "api_key" {
  description = "PULSE_API_KEY (clients send it as X-API-Key). Null: create the secret empty and put the value yourself (see README)."
  type        = string
  default     = null
  sensitive   = true
}

variable "cluster_secret" {
  description = "PULSE_CLUSTER_SECRET: the tasks sign the requests they forward to each other with it (Pulse falls back to the API key without it). Null: create the secret empty and put the value yourself (see README)."
  type        = string
  default     = null
  sensitive   = true
}

variable "secrets_version" {
  description = "Bump after changing a secret value given here (write-only values are not compared)."
  type        = number
  default     = 1
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can be restored (0 deletes at once; for throw-away environments)."
  type        = number
  default     = 7
}

# --- Kafka ---------------------------------------------------------------------------------------

variable "create_msk" {
  description = "Create an MSK cluster. False: use the Kafka given by kafka_bootstrap_servers."
  type        = bool
  default     = true
}

variable "kafka_auth" {
  description = "How Pulse authenticates to Kafka: \"scram\" (SASL/SCRAM-SHA-512, credentials in Secrets Manager) or \"iam\" (MSK IAM through the task role; the image must contain aws-msk-iam-auth)."
  type        = string
  default     = "scram"

  validation {
    condition     = contains(["scram", "iam"], var.kafka_auth)
    error_message = "kafka_auth must be \"scram\" or \"iam\"."
  }
}

variable "kafka_sasl_username" {
  description = "SASL/SCRAM user of Pulse. With create_msk it is created on the cluster; otherwise it must exist on your Kafka. Null (external Kafka only): put the JAAS secret yourself."
  type        = string
  default     = null

  validation {
    condition     = var.kafka_sasl_username == null || can(regex("^[A-Za-z0-9._-]+$", var.kafka_sasl_username))
    error_message = "kafka_sasl_username may hold letters, digits, '.', '_' and '-' only."
  }
}

variable "kafka_sasl_password" {
  description = "SASL/SCRAM password of that user."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.kafka_sasl_password == null || can(regex("^[^\"\\\\]{8,}$", var.kafka_sasl_password))
    error_message = "kafka_sasl_password must be at least 8 characters without quotes or backslashes."
  }
}

variable "kafka_bootstrap_servers" {
  description = "Bootstrap servers of an existing Kafka (create_msk = false)."
  type        = string
  default     = null

  validation {
    condition     = var.create_msk || var.kafka_bootstrap_servers != null
    error_message = "kafka_bootstrap_servers is required when create_msk is false."
  }
}

variable "kafka_port" {
  description = "Broker port of an existing Kafka, opened in the tasks' egress (create_msk = false)."
  type        = number
  default     = 9096
}

variable "kafka_cidr_blocks" {
  description = "IPv4 CIDRs of an existing Kafka's brokers, for the tasks' egress (create_msk = false)."
  type        = list(string)
  default     = []
}

variable "msk_cluster_arn" {
  description = "ARN of an existing MSK cluster (create_msk = false, kafka_auth = \"iam\"): the task role may connect to it."
  type        = string
  default     = null
}

variable "msk_cluster_name" {
  description = "Name of an existing MSK cluster (create_msk = false), for the lag and DLQ metrics. Null: no lag scaling and no lag/DLQ alarms."
  type        = string
  default     = null
}

variable "msk_kafka_version" {
  description = "Kafka version of the created MSK cluster."
  type        = string
  default     = "3.6.0"
}

variable "msk_broker_instance_type" {
  description = "Broker instance type of the created MSK cluster."
  type        = string
  default     = "kafka.m7g.large"
}

variable "msk_broker_count" {
  description = "Brokers of the MSK cluster (a multiple of the private subnets); also used for the per-broker DLQ metric."
  type        = number
  default     = 3
}

variable "msk_ebs_volume_size" {
  description = "EBS storage per broker, GiB."
  type        = number
  default     = 100
}

variable "kafka_replication_factor" {
  description = "Replication factor of the topics Pulse creates (PULSE_KAFKA_REPLICATION_FACTOR)."
  type        = number
  default     = 3
}

variable "kafka_partitions" {
  description = "Partitions of the topics Pulse creates (PULSE_KAFKA_PARTITIONS); caps useful parallelism."
  type        = number
  default     = 6
}

variable "lag_scaling_topics" {
  description = "Input topics whose lag drives scaling, per consumer: \"streams\" (the Kafka Streams application, kafka.streams.default) and each listener named under pulse.listeners in src/main/resources/application.yml (their group ids come from there). Up to 9 topics each; a consumer left out gets a lag alarm but no lag scaling. Rename topics here too when you rename them with PULSE_TOPICS_*."
  type        = map(list(string))
  default = {
    streams    = ["word-counts", "real-time-data", "input-topic", "user-events", "user-clicks", "purchases", "user-profiles"]
    transform  = ["input-topic"]
    sensor     = ["real-time-data"]
    thresholds = ["device-thresholds"]
    fraud      = ["transactions"]
    catalog    = ["product-catalog"]
  }

  validation {
    condition     = alltrue([for topics in values(var.lag_scaling_topics) : length(topics) <= 9])
    error_message = "At most 9 topics per consumer (CloudWatch metric math limit with the task-count metric)."
  }
}

variable "dlq_topic" {
  description = "Dead-letter topic watched by the DLQ alarm."
  type        = string
  default     = "dead-letter-queue"
}

# --- Redis ---------------------------------------------------------------------------------------

variable "create_redis" {
  description = "Create an ElastiCache Redis replication group. False: use the Redis given by redis_uri."
  type        = bool
  default     = true
}

variable "redis_auth_token" {
  description = "AUTH token of the created Redis (create_redis = true), 16-128 letters and digits."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = !var.create_redis || var.redis_auth_token != null
    error_message = "redis_auth_token is required when create_redis is true."
  }
}

variable "redis_uri" {
  description = "REDIS_URI of an existing Redis (create_redis = false), e.g. rediss://:password@host:6379. Null: put the secret yourself."
  type        = string
  default     = null
  sensitive   = true
}

variable "redis_port" {
  description = "Port of an existing Redis, opened in the tasks' egress (create_redis = false)."
  type        = number
  default     = 6379
}

variable "redis_cidr_blocks" {
  description = "IPv4 CIDRs of an existing Redis, for the tasks' egress (create_redis = false)."
  type        = list(string)
  default     = []
}

variable "redis_node_type" {
  description = "Node type of the created Redis."
  type        = string
  default     = "cache.t4g.small"
}

variable "redis_num_cache_clusters" {
  description = "Nodes of the created Redis (2+ enables Multi-AZ failover)."
  type        = number
  default     = 2
}

# --- alarms --------------------------------------------------------------------------------------

variable "alarm_email" {
  description = "E-mail subscribed to the alarm topic. Null: subscribe something yourself (output alarm_topic_arn)."
  type        = string
  default     = null
}

variable "lag_alarm_threshold" {
  description = "Lag of one consumer group (records, summed over its topics) that raises that group's lag alarm."
  type        = number
  default     = 10000
}

variable "dlq_alarm_threshold" {
  description = "Dead-letter inflow (messages/s, max over 5 min) that raises the DLQ alarm; 0 = any record."
  type        = number
  default     = 0
}
