# Plans and applies the root module against a mocked AWS provider (no credentials, no AWS calls)
# and checks what ECS will run: image, port, environment, secrets, health checks and alarms.
# Run from infra/: terraform init -backend=false && terraform test

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_resource "aws_ecr_repository" {
    defaults = {
      arn            = "arn:aws:ecr:eu-west-1:123456789012:repository/pulse-prod"
      repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/pulse-prod"
    }
  }

  mock_resource "aws_msk_cluster" {
    defaults = {
      arn                          = "arn:aws:kafka:eu-west-1:123456789012:cluster/pulse-prod/0f1e2d3c-aaaa-bbbb-cccc-000000000000-1"
      bootstrap_brokers_sasl_scram = "b-1.pulse.kafka.eu-west-1.amazonaws.com:9096,b-2.pulse.kafka.eu-west-1.amazonaws.com:9096"
      bootstrap_brokers_sasl_iam   = "b-1.pulse.kafka.eu-west-1.amazonaws.com:9098,b-2.pulse.kafka.eu-west-1.amazonaws.com:9098"
    }
  }

  mock_resource "aws_elasticache_replication_group" {
    defaults = {
      primary_endpoint_address = "master.pulse-prod.abc123.euw1.cache.amazonaws.com"
      port                     = 6379
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/pulse-prod" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/pulse-prod-mock" }
  }

  mock_resource "aws_lb" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/pulse-prod/50dc6c495c0c9188"
      arn_suffix = "app/pulse-prod/50dc6c495c0c9188"
      dns_name   = "pulse-prod-123456.eu-west-1.elb.amazonaws.com"
    }
  }

  mock_resource "aws_lb_target_group" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/pulse-prod/73e2d6bc24d8a067"
      arn_suffix = "targetgroup/pulse-prod/73e2d6bc24d8a067"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555" }
  }

  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:pulse-prod-alarms" }
  }

  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pulse-prod/mock-AbCdEf" }
  }

  mock_resource "aws_msk_configuration" {
    defaults = {
      arn             = "arn:aws:kafka:eu-west-1:123456789012:configuration/pulse-prod/0f1e2d3c-1"
      latest_revision = 1
    }
  }

  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/pulse-prod" }
  }

  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/pulse-prod:1" }
  }
}

variables {
  vpc_id              = "vpc-0123456789abcdef0"
  public_subnet_ids   = ["subnet-pub-a", "subnet-pub-b", "subnet-pub-c"]
  private_subnet_ids  = ["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"]
  image_tag           = "1.4.2"
  api_key             = "test-api-key-not-a-secret"
  cluster_secret      = "test-cluster-secret-not-a-secret"
  kafka_sasl_username = "pulse"
  kafka_sasl_password = "scram-password-for-tests"
  redis_auth_token    = "RedisAuthToken0123456789"
}

run "task_definition_runs_the_image_with_port_env_secrets_and_health_check" {
  command = apply

  assert {
    condition     = jsondecode(module.ecs_service.container_definitions)[0].image == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/pulse-prod:1.4.2"
    error_message = "The container must run the ECR image at image_tag, got ${jsondecode(module.ecs_service.container_definitions)[0].image}."
  }

  assert {
    condition     = jsondecode(module.ecs_service.container_definitions)[0].essential && length(jsondecode(module.ecs_service.container_definitions)) == 1
    error_message = "The task must have exactly one essential container."
  }

  assert {
    condition     = jsondecode(module.ecs_service.container_definitions)[0].portMappings[0].containerPort == 8080 && jsondecode(module.ecs_service.container_definitions)[0].portMappings[0].protocol == "tcp"
    error_message = "The container must expose TCP 8080."
  }

  assert {
    condition     = { for e in jsondecode(module.ecs_service.container_definitions)[0].environment : e.name => e.value }["MICRONAUT_SERVER_PORT"] == "8080" && { for e in jsondecode(module.ecs_service.container_definitions)[0].environment : e.name => e.value }["PULSE_DEMO_ENABLED"] == "false"
    error_message = "MICRONAUT_SERVER_PORT must be 8080 and demo traffic off."
  }

  assert {
    condition     = { for e in jsondecode(module.ecs_service.container_definitions)[0].environment : e.name => e.value }["KAFKA_BOOTSTRAP_SERVERS"] == "b-1.pulse.kafka.eu-west-1.amazonaws.com:9096,b-2.pulse.kafka.eu-west-1.amazonaws.com:9096"
    error_message = "KAFKA_BOOTSTRAP_SERVERS must be the MSK SASL/SCRAM brokers."
  }

  assert {
    condition     = { for e in jsondecode(module.ecs_service.container_definitions)[0].environment : e.name => e.value }["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL" && { for e in jsondecode(module.ecs_service.container_definitions)[0].environment : e.name => e.value }["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    error_message = "Kafka must use SASL_SSL with SCRAM-SHA-512."
  }

  assert {
    condition     = { for e in jsondecode(module.ecs_service.container_definitions)[0].environment : e.name => e.value }["PULSE_KAFKA_REPLICATION_FACTOR"] == "3"
    error_message = "Topics created on MSK need replication factor 3."
  }

  assert {
    condition     = { for e in jsondecode(module.ecs_service.container_definitions)[0].environment : e.name => e.value }["PULSE_REDIS_PREFIX"] == "pulse"
    error_message = "PULSE_REDIS_PREFIX must default to pulse."
  }

  # One task definition for every task, and in it nothing that names one task: no instance id, no
  # advertised address (Pulse reads each task's own address from the ECS task metadata).
  assert {
    condition = sort([for e in jsondecode(module.ecs_service.container_definitions)[0].environment : e.name]) == tolist([
      "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SASL_MECHANISM", "KAFKA_SECURITY_PROTOCOL", "MICRONAUT_SERVER_PORT",
      "PULSE_DEMO_ENABLED", "PULSE_KAFKA_PARTITIONS", "PULSE_KAFKA_REPLICATION_FACTOR", "PULSE_REDIS_PREFIX",
    ])
    error_message = "The container environment must be exactly the fleet-wide settings, got ${jsonencode([for e in jsondecode(module.ecs_service.container_definitions)[0].environment : e.name])}."
  }

  assert {
    condition     = sort([for e in jsondecode(module.ecs_service.container_definitions)[0].secrets : e.name]) == tolist(["KAFKA_SASL_JAAS_CONFIG", "PULSE_API_KEY", "PULSE_CLUSTER_SECRET", "REDIS_URI"])
    error_message = "Secrets must be exactly PULSE_API_KEY, PULSE_CLUSTER_SECRET, REDIS_URI and KAFKA_SASL_JAAS_CONFIG, got ${jsonencode([for e in jsondecode(module.ecs_service.container_definitions)[0].secrets : e.name])}."
  }

  assert {
    condition     = { for e in jsondecode(module.ecs_service.container_definitions)[0].secrets : e.name => e.valueFrom }["PULSE_API_KEY"] == aws_secretsmanager_secret.this["api-key"].arn && { for e in jsondecode(module.ecs_service.container_definitions)[0].secrets : e.name => e.valueFrom }["REDIS_URI"] == aws_secretsmanager_secret.this["redis-uri"].arn && { for e in jsondecode(module.ecs_service.container_definitions)[0].secrets : e.name => e.valueFrom }["PULSE_CLUSTER_SECRET"] == aws_secretsmanager_secret.this["cluster-secret"].arn
    error_message = "Secrets must reference the Secrets Manager secrets this configuration creates."
  }

  assert {
    condition     = aws_secretsmanager_secret.this["cluster-secret"].name == "pulse-prod/cluster-secret" && contains(keys(aws_secretsmanager_secret_version.this), "cluster-secret")
    error_message = "The cluster secret must be the secret pulse-prod/cluster-secret, written from cluster_secret."
  }

  assert {
    condition     = alltrue([for e in jsondecode(module.ecs_service.container_definitions)[0].environment : !contains(["PULSE_API_KEY", "PULSE_CLUSTER_SECRET", "REDIS_URI", "KAFKA_SASL_JAAS_CONFIG"], e.name)])
    error_message = "No secret may be passed as a plain environment variable."
  }

  assert {
    condition     = endswith(join(" ", jsondecode(module.ecs_service.container_definitions)[0].healthCheck.command), "http://127.0.0.1:8080/health/liveness") && jsondecode(module.ecs_service.container_definitions)[0].healthCheck.startPeriod >= 60
    error_message = "The container health check must probe /health/liveness with a start period."
  }

  assert {
    condition     = jsondecode(module.ecs_service.container_definitions)[0].logConfiguration.logDriver == "awslogs" && jsondecode(module.ecs_service.container_definitions)[0].logConfiguration.options["awslogs-group"] == "/ecs/pulse-prod" && jsondecode(module.ecs_service.container_definitions)[0].logConfiguration.options["awslogs-region"] == "eu-west-1"
    error_message = "Logs must go to the /ecs/pulse-prod log group through awslogs."
  }

  assert {
    condition     = length(output.secrets_to_fill) == 0
    error_message = "All secrets were given as variables, none should be left to fill."
  }

  assert {
    condition = toset(output.alarm_names) == setunion(
      ["pulse-prod-dlq-growth", "pulse-prod-unhealthy-hosts", "pulse-prod-running-tasks"],
      [for group in values(local.consumer_groups) : "pulse-prod-consumer-lag-${group}"],
    )
    error_message = "Alarms on DLQ growth, each consumer group's lag, unhealthy hosts and running tasks are expected, got ${jsonencode(output.alarm_names)}."
  }

  assert {
    condition     = output.url == "http://pulse-prod-123456.eu-west-1.elb.amazonaws.com"
    error_message = "Without a certificate the URL is plain HTTP on the ALB."
  }
}

run "external_kafka_and_redis_with_iam_auth" {
  command = apply

  variables {
    create_msk              = false
    create_redis            = false
    kafka_auth              = "iam"
    kafka_bootstrap_servers = "b-1.other.kafka.eu-west-1.amazonaws.com:9098"
    kafka_cidr_blocks       = ["10.0.0.0/16"]
    msk_cluster_arn         = "arn:aws:kafka:eu-west-1:123456789012:cluster/other/abcd-1"
    redis_auth_token        = null
    redis_uri               = null
    redis_cidr_blocks       = ["10.0.0.0/16"]
  }

  assert {
    condition     = { for e in jsondecode(module.ecs_service.container_definitions)[0].environment : e.name => e.value }["KAFKA_BOOTSTRAP_SERVERS"] == "b-1.other.kafka.eu-west-1.amazonaws.com:9098" && { for e in jsondecode(module.ecs_service.container_definitions)[0].environment : e.name => e.value }["KAFKA_SASL_MECHANISM"] == "AWS_MSK_IAM"
    error_message = "With an existing cluster and IAM auth the container must use the given brokers and AWS_MSK_IAM."
  }

  assert {
    condition     = sort([for e in jsondecode(module.ecs_service.container_definitions)[0].secrets : e.name]) == tolist(["PULSE_API_KEY", "PULSE_CLUSTER_SECRET", "REDIS_URI"])
    error_message = "IAM auth needs no Kafka secret."
  }

  assert {
    condition     = output.secrets_to_fill == ["pulse-prod/redis-uri"]
    error_message = "Without redis_uri the REDIS_URI secret is created empty, to be filled by hand."
  }

  assert {
    condition     = jsondecode(local.task_role_policies["msk-iam"]).Statement[1].Resource == "arn:aws:kafka:eu-west-1:123456789012:topic/other/abcd-1/*"
    error_message = "With IAM auth the task role may use the topics of exactly that cluster."
  }

  assert {
    condition     = length(output.alarm_names) == 2
    error_message = "Without an MSK cluster name there are no lag or DLQ metrics: only the host and task alarms."
  }

  assert {
    condition     = output.msk_cluster_arn == null && output.redis_endpoint == null
    error_message = "Nothing of Kafka or Redis may be created when referenced."
  }
}

run "variables_are_checked" {
  command = plan

  variables {
    create_msk       = false
    redis_auth_token = null
  }

  expect_failures = [var.kafka_bootstrap_servers, var.redis_auth_token]
}

run "a_redis_prefix_per_environment" {
  command = plan

  variables {
    environment  = "staging"
    redis_prefix = "pulse-staging"
  }

  assert {
    condition     = local.environment["PULSE_REDIS_PREFIX"] == "pulse-staging"
    error_message = "redis_prefix must reach the container as PULSE_REDIS_PREFIX."
  }
}

run "no_cluster_secret_given_means_one_to_fill" {
  command = plan

  variables {
    cluster_secret = null
  }

  assert {
    condition     = output.secrets_to_fill == ["pulse-prod/cluster-secret"]
    error_message = "Without cluster_secret the PULSE_CLUSTER_SECRET secret is created empty, to be filled by hand."
  }
}

run "an_advertised_host_for_every_task_is_refused" {
  command = plan

  variables {
    extra_environment = { PULSE_ADVERTISED_HOST = "10.0.1.23" }
  }

  expect_failures = [var.extra_environment]
}
