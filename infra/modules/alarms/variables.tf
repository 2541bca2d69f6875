variable "name" {
  description = "Name prefix of the alarms and the SNS topic, e.g. \"pulse-prod\"."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (confirm the subscription mail). Null: no subscription."
  type        = string
  default     = null
}

variable "extra_alarm_actions" {
  description = "More ARNs notified on ALARM and OK (e.g. an existing on-call SNS topic)."
  type        = list(string)
  default     = []
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the service's load balancer (dimension LoadBalancer)."
  type        = string
}

variable "target_group_arn_suffix" {
  description = "ARN suffix of the service's target group (dimension TargetGroup)."
  type        = string
}

variable "ecs_cluster_name" {
  description = "ECS cluster of the service (Container Insights must be enabled)."
  type        = string
}

variable "ecs_service_name" {
  description = "ECS service name."
  type        = string
}

variable "min_running_tasks" {
  description = "Alarm when fewer tasks than this run (normally the autoscaling minimum)."
  type        = number
}

variable "period" {
  description = "Alarm period in seconds."
  type        = number
  default     = 60
}

variable "evaluation_periods" {
  description = "Periods that must breach before an alarm fires."
  type        = number
  default     = 5
}

variable "lag_cluster_name" {
  description = "MSK cluster whose AWS/Kafka SumOffsetLag metrics the lag alarms read. Null: no lag alarms."
  type        = string
  default     = null
}

variable "lag_consumer_groups" {
  description = "Consumer groups (Kafka Streams application ids and listener group ids) with one lag alarm each."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for g in var.lag_consumer_groups : can(regex("^[A-Za-z0-9._-]+$", g))])
    error_message = "Consumer group names may hold letters, digits, '.', '_' and '-' only here: they are quoted into the alarm's Metrics Insights query (and MSK publishes no lag for a name with a colon)."
  }
}

variable "lag_threshold" {
  description = "Consumer lag (records, summed over the topics of one consumer group) above which that group's lag alarm fires."
  type        = number
  default     = 10000
}

variable "dlq_metrics" {
  description = "Metrics whose sum is the inflow into the dead-letter topic (e.g. AWS/Kafka MessagesInPerSec of topic dead-letter-queue per broker). Empty: no DLQ alarm."
  type = list(object({
    namespace   = string
    metric_name = string
    dimensions  = map(string)
    stat        = optional(string, "Maximum")
  }))
  default = []
}

variable "dlq_threshold" {
  description = "DLQ inflow (summed metric, e.g. messages per second) above which the DLQ alarm fires; 0 = any record."
  type        = number
  default     = 0
}
