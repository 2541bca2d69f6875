output "url" {
  description = "Base URL of Pulse through the load balancer (dashboard at /, health at /health)."
  value       = module.ecs_service.url
}

output "alb_dns_name" {
  description = "DNS name of the load balancer, for a CNAME or alias record."
  value       = module.ecs_service.alb_dns_name
}

output "ecr_repository_url" {
  description = "Push the image here: docker push <this>:<image_tag>."
  value       = aws_ecr_repository.this.repository_url
}

output "image" {
  description = "Image the task definition runs."
  value       = local.image
}

output "ecs_cluster_name" {
  description = "ECS cluster name."
  value       = module.ecs_service.cluster_name
}

output "ecs_service_name" {
  description = "ECS service name."
  value       = module.ecs_service.service_name
}

output "log_group_name" {
  description = "CloudWatch log group of the containers (aws logs tail <this> --follow)."
  value       = module.ecs_service.log_group_name
}

output "secret_arns" {
  description = "Secrets Manager secrets by container variable; fill the ones you did not pass as variables."
  value       = { for key, env in local.secret_env : env => aws_secretsmanager_secret.this[key].arn }
}

output "secrets_to_fill" {
  description = "Secrets created empty because no value was given: put a value with aws secretsmanager put-secret-value."
  value       = [for key, env in local.secret_env : aws_secretsmanager_secret.this[key].name if !contains(local.managed_secrets, key)]
}

output "kafka_bootstrap_servers" {
  description = "Bootstrap servers Pulse connects to."
  value       = local.kafka_bootstrap_servers
}

output "msk_cluster_arn" {
  description = "ARN of the created MSK cluster (null when using an existing Kafka)."
  value       = one(module.msk[*].cluster_arn)
}

output "redis_endpoint" {
  description = "Primary endpoint of the created Redis (null when using an existing one)."
  value       = one(module.redis[*].primary_endpoint_address)
}

output "alarm_topic_arn" {
  description = "SNS topic of all alarms; subscribe your on-call tooling."
  value       = module.alarms.sns_topic_arn
}

output "alarm_names" {
  description = "CloudWatch alarms created."
  value       = module.alarms.alarm_names
}
