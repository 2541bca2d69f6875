output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ECS cluster ARN."
  value       = aws_ecs_cluster.this.arn
}

output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.this.name
}

output "task_definition_arn" {
  description = "ARN (with revision) of the task definition the service runs."
  value       = aws_ecs_task_definition.this.arn
}

output "container_definitions" {
  description = "The container definitions JSON of the task definition (secret ARNs only, no secret values)."
  value       = aws_ecs_task_definition.this.container_definitions
}

output "alb_dns_name" {
  description = "DNS name of the load balancer; point your domain's CNAME/alias here."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Route 53 zone ID of the load balancer, for an alias record."
  value       = aws_lb.this.zone_id
}

output "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (CloudWatch dimension LoadBalancer)."
  value       = aws_lb.this.arn_suffix
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the target group (CloudWatch dimension TargetGroup)."
  value       = aws_lb_target_group.this.arn_suffix
}

output "url" {
  description = "Base URL of the service through the load balancer."
  value       = "${local.https ? "https" : "http"}://${aws_lb.this.dns_name}"
}

output "task_security_group_id" {
  description = "Security group of the tasks (allow it on Kafka and Redis)."
  value       = aws_security_group.task.id
}

output "alb_security_group_id" {
  description = "Security group of the load balancer."
  value       = aws_security_group.alb.id
}

output "log_group_name" {
  description = "CloudWatch log group of the containers."
  value       = aws_cloudwatch_log_group.this.name
}

output "execution_role_arn" {
  description = "Task execution role ARN."
  value       = aws_iam_role.execution.arn
}

output "task_role_arn" {
  description = "Task (application) role ARN."
  value       = aws_iam_role.task.arn
}

output "autoscaling_policy_names" {
  description = "Names of the autoscaling policies: cpu, and one lag policy per consumer group given in lag_metrics."
  value       = concat([aws_appautoscaling_policy.cpu.name], [for p in aws_appautoscaling_policy.lag : p.name])
}
