# Alarms of a Pulse deployment, all sent to one SNS topic: records landing in the dead-letter topic,
# consumer lag of each consumer group, unhealthy ALB targets, and fewer running tasks than the minimum.

locals {
  name    = var.name
  tags    = merge(var.tags, { "pulse:module" = "alarms" })
  actions = concat([aws_sns_topic.this.arn], var.extra_alarm_actions)

  dlq_ids = [for i, _ in var.dlq_metrics : "dlq${i}"]
}

resource "aws_sns_topic" "this" {
  name = "${local.name}-alarms"
  tags = local.tags
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "dlq_growth" {
  count = length(var.dlq_metrics) > 0 ? 1 : 0

  alarm_name          = "${local.name}-dlq-growth"
  alarm_description   = "Records are arriving in the dead-letter topic: inputs fail to decode or validate. Read the DLQ records' pulse.error header."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.dlq_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  dynamic "metric_query" {
    for_each = var.dlq_metrics
    content {
      id = "dlq${metric_query.key}"
      metric {
        namespace   = metric_query.value.namespace
        metric_name = metric_query.value.metric_name
        dimensions  = metric_query.value.dimensions
        stat        = metric_query.value.stat
        period      = 300
      }
    }
  }

  metric_query {
    id          = "dlq_inflow"
    label       = "Dead-letter inflow"
    expression  = "SUM([${join(", ", local.dlq_ids)}])"
    return_data = true
  }

  tags = local.tags
}

# One alarm per consumer group, on a Metrics Insights query: MSK publishes SumOffsetLag per
# (Cluster Name, Consumer Group, Topic) only, and the query adds up every topic the group reads
# (Kafka Streams' repartition topics and renamed topics included) without listing them.
resource "aws_cloudwatch_metric_alarm" "consumer_lag" {
  for_each = var.lag_cluster_name == null ? toset([]) : toset(var.lag_consumer_groups)

  alarm_name          = "${local.name}-consumer-lag-${each.key}"
  alarm_description   = "Consumer group ${each.key} stays more than ${var.lag_threshold} records behind: processing falls behind (scaling at max, stuck listener or stream thread, or broker trouble)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.lag_threshold
  evaluation_periods  = var.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  metric_query {
    id          = "lag"
    label       = "Consumer lag of ${each.key} (records)"
    expression  = "SELECT SUM(SumOffsetLag) FROM SCHEMA(\"AWS/Kafka\", \"Cluster Name\", \"Consumer Group\", Topic) WHERE \"Cluster Name\" = '${var.lag_cluster_name}' AND \"Consumer Group\" = '${each.key}'"
    period      = var.period
    return_data = true
  }

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  alarm_name          = "${local.name}-unhealthy-hosts"
  alarm_description   = "ALB targets of Pulse fail their health check (/health/liveness): the process does not answer or a listener thread has stopped."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  statistic           = "Maximum"
  period              = var.period
  evaluation_periods  = var.evaluation_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  dimensions = {
    LoadBalancer = var.alb_arn_suffix
    TargetGroup  = var.target_group_arn_suffix
  }

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "running_tasks" {
  alarm_name          = "${local.name}-running-tasks"
  alarm_description   = "Fewer Pulse tasks run than the minimum of ${var.min_running_tasks}: tasks crash, fail health checks or cannot start (image, secrets, capacity)."
  namespace           = "ECS/ContainerInsights"
  metric_name         = "RunningTaskCount"
  statistic           = "Minimum"
  period              = var.period
  evaluation_periods  = var.evaluation_periods
  comparison_operator = "LessThanThreshold"
  threshold           = var.min_running_tasks
  treat_missing_data  = "breaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  dimensions = {
    ClusterName = var.ecs_cluster_name
    ServiceName = var.ecs_service_name
  }

  tags = local.tags
}
