variable "name" {
  description = "Name prefix for every resource of the service, e.g. \"pulse-prod\" (also the ALB and target group name)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$", var.name))
    error_message = "name must be 1-32 letters, digits or hyphens, not starting or ending with a hyphen (ALB naming rules)."
  }
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}

# --- network -------------------------------------------------------------------------------------

variable "vpc_id" {
  description = "VPC the load balancer, target group and security groups live in."
  type        = string
}

variable "public_subnet_ids" {
  description = "Subnets of the internet-facing ALB (at least two AZs)."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Subnets of the Fargate tasks. They need a route to ECR, Secrets Manager and CloudWatch Logs (NAT or VPC endpoints)."
  type        = list(string)
}

variable "assign_public_ip" {
  description = "Give tasks a public IP (only for public task subnets without NAT)."
  type        = bool
  default     = false
}

variable "alb_ingress_cidrs" {
  description = "IPv4 CIDRs allowed to reach the ALB on 80 and, with a certificate, 443."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "certificate_arn" {
  description = "ACM certificate for an HTTPS listener on 443; with it, port 80 redirects to 443. Null: HTTP on 80 only."
  type        = string
  default     = null
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "egress_rules" {
  description = "Extra egress of the tasks besides HTTPS to AWS APIs, keyed by a short name: a port and either a security group or an IPv4 CIDR (Kafka brokers, Redis)."
  type = map(object({
    port                         = number
    description                  = string
    referenced_security_group_id = optional(string)
    cidr_ipv4                    = optional(string)
  }))
  default = {}
}

# --- container -----------------------------------------------------------------------------------

variable "image" {
  description = "Full container image reference, e.g. \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/pulse:1.2.3\"."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ECR repository the image is pulled from; the execution role may pull from it and nothing else."
  type        = string
}

variable "container_name" {
  description = "Name of the container in the task definition."
  type        = string
  default     = "pulse"
}

variable "container_port" {
  description = "HTTP port of the service (MICRONAUT_SERVER_PORT)."
  type        = number
  default     = 8080
}

variable "task_cpu" {
  description = "Fargate task CPU units (256, 512, 1024, 2048, 4096, ...)."
  type        = number
  default     = 1024
}

variable "task_memory" {
  description = "Fargate task memory in MiB; must be valid for task_cpu."
  type        = number
  default     = 2048
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64; must match the pushed image."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "ephemeral_storage_gib" {
  description = "Task ephemeral storage in GiB (21-200); Kafka Streams keeps its state stores there."
  type        = number
  default     = 30
}

variable "environment" {
  description = "Plain environment variables of the container."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Environment variables filled from Secrets Manager: variable name => secret ARN (optionally with a \":json-key::\" suffix)."
  type        = map(string)
  default     = {}
}

variable "secret_arns" {
  description = "Secret ARNs the execution role may read (exactly the secrets referenced in var.secrets, without JSON-key suffixes)."
  type        = list(string)
  default     = []
}

variable "secrets_kms_key_arns" {
  description = "Customer-managed KMS keys that encrypt those secrets (empty when they use the AWS-managed key)."
  type        = list(string)
  default     = []
}

variable "health_check_path" {
  description = "HTTP path both the ALB target group and the container health check probe. It must not go DOWN for a dependency the service can work without (Redis): the same outage on every task would take all of them out of service."
  type        = string
  default     = "/health/liveness"
}

variable "health_check_command" {
  description = "Container health check command (ECS healthCheck.command). Null: the probe class the Dockerfile compiles into the image, asked for health_check_path on container_port."
  type        = list(string)
  default     = null
}

variable "health_check_start_period" {
  description = "Seconds after start during which failed container health checks do not count."
  type        = number
  default     = 90
}

variable "stop_timeout" {
  description = "Seconds between SIGTERM and SIGKILL (Fargate max 120); lets Kafka Streams commit and leave the group."
  type        = number
  default     = 60
}

variable "task_role_policies" {
  description = "Inline policies (name => IAM policy JSON) of what the application itself may do, e.g. MSK IAM access. Empty: the task role has no permissions."
  type        = map(string)
  default     = {}
}

variable "log_retention_days" {
  description = "Retention of the container log group."
  type        = number
  default     = 30
}

# --- service, load balancer, scaling -------------------------------------------------------------

variable "health_check_grace_period" {
  description = "Seconds ECS ignores ALB health checks after a task starts (JVM start-up, topic creation, first rebalance)."
  type        = number
  default     = 180
}

variable "deregistration_delay" {
  description = "Seconds the ALB drains a stopping target."
  type        = number
  default     = 30
}

variable "desired_count" {
  description = "Initial number of tasks; afterwards autoscaling owns it."
  type        = number
  default     = 2
}

variable "min_count" {
  description = "Autoscaling minimum number of tasks."
  type        = number
  default     = 2
}

variable "max_count" {
  description = "Autoscaling maximum number of tasks. Kafka Streams cannot use more instances than it has stream tasks (input partitions)."
  type        = number
  default     = 6
}

variable "cpu_target" {
  description = "Target average CPU utilisation (%) of the CPU target-tracking policy."
  type        = number
  default     = 60
}

variable "lag_metrics" {
  description = "Per consumer group (the key, used in the policy name): the CloudWatch metrics whose sum is its lag (e.g. AWS/Kafka SumOffsetLag of the group per input topic). One lag target-tracking policy per group. Empty: no lag scaling."
  type = map(list(object({
    namespace   = string
    metric_name = string
    dimensions  = map(string)
    stat        = optional(string, "Maximum")
  })))
  default = {}

  validation {
    condition     = alltrue([for metrics in values(var.lag_metrics) : length(metrics) >= 1 && length(metrics) <= 9])
    error_message = "Each consumer group needs 1 to 9 lag metrics (CloudWatch metric math limit with the task-count metric)."
  }
}

variable "lag_target_per_task" {
  description = "Target consumer lag (records) per running task of each consumer group's lag target-tracking policy."
  type        = number
  default     = 1000
}

variable "scale_in_cooldown" {
  description = "Seconds between scale-in activities."
  type        = number
  default     = 300
}

variable "scale_out_cooldown" {
  description = "Seconds between scale-out activities."
  type        = number
  default     = 60
}

variable "enable_execute_command" {
  description = "Allow `aws ecs execute-command` into tasks (adds SSM messages permissions to the task role)."
  type        = bool
  default     = false
}
