output "sns_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = aws_sns_topic.this.arn
}

output "alarm_names" {
  description = "Names of the alarms created."
  value = concat(
    aws_cloudwatch_metric_alarm.dlq_growth[*].alarm_name,
    [for a in aws_cloudwatch_metric_alarm.consumer_lag : a.alarm_name],
    [aws_cloudwatch_metric_alarm.unhealthy_hosts.alarm_name, aws_cloudwatch_metric_alarm.running_tasks.alarm_name],
  )
}
