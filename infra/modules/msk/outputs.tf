output "cluster_arn" {
  description = "ARN of the MSK cluster."
  value       = aws_msk_cluster.this.arn
}

output "cluster_name" {
  description = "Name of the MSK cluster (CloudWatch dimension \"Cluster Name\")."
  value       = aws_msk_cluster.this.cluster_name
}

output "bootstrap_brokers" {
  description = "Bootstrap servers for the chosen client authentication (KAFKA_BOOTSTRAP_SERVERS)."
  value       = local.scram ? aws_msk_cluster.this.bootstrap_brokers_sasl_scram : aws_msk_cluster.this.bootstrap_brokers_sasl_iam
}

output "client_port" {
  description = "Broker port for clients (9096 SCRAM, 9098 IAM)."
  value       = local.client_port
}

output "broker_count" {
  description = "Number of brokers (broker IDs are 1..broker_count)."
  value       = aws_msk_cluster.this.number_of_broker_nodes
}

output "security_group_id" {
  description = "Security group of the brokers."
  value       = aws_security_group.this.id
}

output "scram_secret_arn" {
  description = "ARN of the AmazonMSK_ SCRAM secret (null with IAM auth)."
  value       = one(aws_secretsmanager_secret.this[*].arn)
}
