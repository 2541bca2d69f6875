# Pulse on AWS: ECR repository, secrets, optional MSK and ElastiCache Redis, the Fargate service
# behind an ALB with autoscaling, and alarms. See README.md for the deploy steps.

locals {
  name = "${var.project}-${var.environment}"
  tags = merge({ Project = var.project, Environment = var.environment, ManagedBy = "terraform" }, var.tags)

  scram = var.kafka_auth == "scram"
  image = "${aws_ecr_repository.this.repository_url}:${var.image_tag}"

  # --- Kafka ---
  kafka_bootstrap_servers = var.create_msk ? module.msk[0].bootstrap_brokers : var.kafka_bootstrap_servers
  msk_cluster_arn         = var.create_msk ? module.msk[0].cluster_arn : var.msk_cluster_arn
  msk_cluster_name        = var.create_msk ? local.name : var.msk_cluster_name

  # Micronaut maps KAFKA_* variables onto kafka.* client properties.
  kafka_environment = local.scram ? {
    KAFKA_SECURITY_PROTOCOL = "SASL_SSL"
    KAFKA_SASL_MECHANISM    = "SCRAM-SHA-512"
    } : {
    KAFKA_SECURITY_PROTOCOL                  = "SASL_SSL"
    KAFKA_SASL_MECHANISM                     = "AWS_MSK_IAM"
    KAFKA_SASL_JAAS_CONFIG                   = "software.amazon.msk.auth.iam.IAMLoginModule required;"
    KAFKA_SASL_CLIENT_CALLBACK_HANDLER_CLASS = "software.amazon.msk.auth.iam.IAMClientCallbackHandler"
  }

  environment = merge(
    {
      KAFKA_BOOTSTRAP_SERVERS        = local.kafka_bootstrap_servers
      MICRONAUT_SERVER_PORT          = tostring(var.container_port)
      PULSE_DEMO_ENABLED             = tostring(var.pulse_demo_enabled)
      PULSE_KAFKA_REPLICATION_FACTOR = tostring(var.kafka_replication_factor)
      PULSE_KAFKA_PARTITIONS         = tostring(var.kafka_partitions)
      PULSE_REDIS_PREFIX             = var.redis_prefix
    },
    local.kafka_environment,
    var.extra_environment,
  )

  # --- secrets: logical name => environment variable of the container ---
  secret_env = merge(
    { "api-key" = "PULSE_API_KEY", "cluster-secret" = "PULSE_CLUSTER_SECRET", "redis-uri" = "REDIS_URI" },
    local.scram ? { "kafka-sasl-jaas-config" = "KAFKA_SASL_JAAS_CONFIG" } : {},
  )

  redis_uri = var.create_redis ? "rediss://:${coalesce(var.redis_auth_token, "unset")}@${module.redis[0].primary_endpoint_address}:${module.redis[0].port}" : var.redis_uri

  kafka_sasl_jaas_config = var.kafka_sasl_username == null ? null : "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"${var.kafka_sasl_username}\" password=\"${coalesce(var.kafka_sasl_password, "unset")}\";"

  secret_values = {
    "api-key"                = var.api_key
    "cluster-secret"         = var.cluster_secret
    "redis-uri"              = local.redis_uri
    "kafka-sasl-jaas-config" = local.kafka_sasl_jaas_config
  }

  # Secrets whose value comes from these variables; the others are created empty and filled by hand.
  managed_secrets = toset(compact([
    nonsensitive(var.api_key != null) ? "api-key" : "",
    nonsensitive(var.cluster_secret != null) ? "cluster-secret" : "",
    var.create_redis || nonsensitive(var.redis_uri != null) ? "redis-uri" : "",
    local.scram && var.kafka_sasl_username != null && nonsensitive(var.kafka_sasl_password != null) ? "kafka-sasl-jaas-config" : "",
  ]))

  # --- what the application may do in AWS (task role) ---
  # Decided on inputs only, so the number of policies is known at plan time.
  msk_iam = var.kafka_auth == "iam" && (var.create_msk || var.msk_cluster_arn != null)
  task_role_policies = local.msk_iam ? { "msk-iam" = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ConnectToCluster"
        Effect   = "Allow"
        Action   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"]
        Resource = local.msk_cluster_arn
      },
      {
        # Pulse creates its topics and Kafka Streams its internal (repartition/changelog) topics.
        Sid    = "UseTopics"
        Effect = "Allow"
        Action = [
          "kafka-cluster:DescribeTopic", "kafka-cluster:CreateTopic", "kafka-cluster:AlterTopic",
          "kafka-cluster:DescribeTopicDynamicConfiguration", "kafka-cluster:ReadData", "kafka-cluster:WriteData",
        ]
        Resource = "${replace(local.msk_cluster_arn, ":cluster/", ":topic/")}/*"
      },
      {
        Sid      = "UseConsumerGroups"
        Effect   = "Allow"
        Action   = ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"]
        Resource = "${replace(local.msk_cluster_arn, ":cluster/", ":group/")}/*"
      },
      {
        Sid      = "UseTransactions"
        Effect   = "Allow"
        Action   = ["kafka-cluster:AlterTransactionalId", "kafka-cluster:DescribeTransactionalId"]
        Resource = "${replace(local.msk_cluster_arn, ":cluster/", ":transactional-id/")}/*"
      },
    ]
  }) } : {}

  # --- consumer groups, read from the application's own configuration ---
  # The Kafka Streams application id and each listener's group id (pulse.listeners.<name>.group-id),
  # as the container will resolve them: a value given in extra_environment wins, as it does in Pulse.
  application  = yamldecode(file("${path.module}/../src/main/resources/application.yml"))
  listener_ids = { for name, listener in local.application.pulse.listeners : name => listener["group-id"] if can(listener["group-id"]) }
  # "${PULSE_STREAMS_APPLICATION_ID:pulse-aggregates}": the variable that overrides it, and its default.
  streams_id = regex("^\\$\\{(\\w+):([^}]+)\\}$", local.application.kafka.streams.default["application.id"])
  consumer_groups = merge(
    { streams = lookup(var.extra_environment, local.streams_id[0], local.streams_id[1]) },
    { for name, id in local.listener_ids : name => lookup(var.extra_environment, "PULSE_LISTENERS_${upper(replace(name, "-", "_"))}_GROUP_ID", id) },
  )

  # --- metrics for lag scaling (MSK only: AWS/Kafka) ---
  # MSK publishes SumOffsetLag per (Cluster Name, Consumer Group, Topic); a group's lag is the sum
  # over the topics it reads. The alarms query every topic of a group instead (modules/alarms).
  lag_metrics = local.msk_cluster_name == null ? {} : {
    for name, group in local.consumer_groups : group => [
      for topic in lookup(var.lag_scaling_topics, name, []) : {
        namespace   = "AWS/Kafka"
        metric_name = "SumOffsetLag"
        stat        = "Maximum"
        dimensions  = { "Cluster Name" = local.msk_cluster_name, "Consumer Group" = group, "Topic" = topic }
      }
    ] if length(lookup(var.lag_scaling_topics, name, [])) > 0
  }

  # MessagesInPerSec per topic is published per broker (PER_TOPIC_PER_BROKER); MSK broker IDs are 1..n.
  dlq_metrics = local.msk_cluster_name == null ? [] : [
    for broker in range(1, var.msk_broker_count + 1) : {
      namespace   = "AWS/Kafka"
      metric_name = "MessagesInPerSec"
      stat        = "Maximum"
      dimensions  = { "Cluster Name" = local.msk_cluster_name, "Broker ID" = tostring(broker), "Topic" = var.dlq_topic }
    }
  ]

  # --- egress of the tasks to Kafka and Redis ---
  kafka_egress = var.create_msk ? {
    kafka = { port = module.msk[0].client_port, description = "Kafka (MSK)", referenced_security_group_id = module.msk[0].security_group_id, cidr_ipv4 = null }
    } : {
    for i, cidr in var.kafka_cidr_blocks : "kafka-${i}" => { port = var.kafka_port, description = "Kafka brokers", referenced_security_group_id = null, cidr_ipv4 = cidr }
  }
  redis_egress = var.create_redis ? {
    redis = { port = module.redis[0].port, description = "Redis (ElastiCache)", referenced_security_group_id = module.redis[0].security_group_id, cidr_ipv4 = null }
    } : {
    for i, cidr in var.redis_cidr_blocks : "redis-${i}" => { port = var.redis_port, description = "Redis", referenced_security_group_id = null, cidr_ipv4 = cidr }
  }
}

# --- image repository ----------------------------------------------------------------------------

resource "aws_ecr_repository" "this" {
  name                 = coalesce(var.ecr_repository_name, local.name)
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "AES256"
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 30 newest images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 30 }
      action       = { type = "expire" }
    }]
  })
}

# --- secrets (values never in state: write-only, or put by hand) ---------------------------------

resource "aws_secretsmanager_secret" "this" {
  for_each = local.secret_env

  name                    = "${local.name}/${each.key}"
  description             = "${each.value} of ${local.name}"
  recovery_window_in_days = var.secret_recovery_window_days
}

resource "aws_secretsmanager_secret_version" "this" {
  for_each = local.managed_secrets

  secret_id                = aws_secretsmanager_secret.this[each.key].id
  secret_string_wo         = local.secret_values[each.key]
  secret_string_wo_version = var.secrets_version
}

# --- Kafka and Redis -----------------------------------------------------------------------------

# Modules get no tags argument: the provider's default_tags tag everything already.
module "msk" {
  source = "./modules/msk"
  count  = var.create_msk ? 1 : 0

  name                      = local.name
  vpc_id                    = var.vpc_id
  subnet_ids                = var.private_subnet_ids
  client_security_group_ids = [module.ecs_service.task_security_group_id]
  kafka_version             = var.msk_kafka_version
  broker_instance_type      = var.msk_broker_instance_type
  broker_count              = var.msk_broker_count
  ebs_volume_size           = var.msk_ebs_volume_size
  client_auth               = var.kafka_auth
  scram_username            = var.kafka_sasl_username
  scram_password            = var.kafka_sasl_password
  scram_secret_version      = var.secrets_version
}

module "redis" {
  source = "./modules/redis"
  count  = var.create_redis ? 1 : 0

  name                      = local.name
  vpc_id                    = var.vpc_id
  subnet_ids                = var.private_subnet_ids
  client_security_group_ids = [module.ecs_service.task_security_group_id]
  node_type                 = var.redis_node_type
  num_cache_clusters        = var.redis_num_cache_clusters
  auth_token                = var.redis_auth_token
}

# --- the service ---------------------------------------------------------------------------------

module "ecs_service" {
  source = "./modules/ecs-service"

  name               = local.name
  vpc_id             = var.vpc_id
  public_subnet_ids  = var.public_subnet_ids
  private_subnet_ids = var.private_subnet_ids
  alb_ingress_cidrs  = var.alb_ingress_cidrs
  certificate_arn    = var.certificate_arn
  egress_rules       = merge(local.kafka_egress, local.redis_egress)

  image              = local.image
  ecr_repository_arn = aws_ecr_repository.this.arn
  container_port     = var.container_port
  task_cpu           = var.task_cpu
  task_memory        = var.task_memory
  cpu_architecture   = var.cpu_architecture
  environment        = local.environment
  secrets            = { for key, env in local.secret_env : env => aws_secretsmanager_secret.this[key].arn }
  secret_arns        = [for key in sort(keys(local.secret_env)) : aws_secretsmanager_secret.this[key].arn]

  task_role_policies     = local.task_role_policies
  log_retention_days     = var.log_retention_days
  enable_execute_command = var.enable_execute_command

  desired_count       = var.desired_count
  min_count           = var.min_count
  max_count           = var.max_count
  cpu_target          = var.cpu_target
  lag_metrics         = local.lag_metrics
  lag_target_per_task = var.lag_target_per_task
}

module "alarms" {
  source = "./modules/alarms"

  name                    = local.name
  alarm_email             = var.alarm_email
  alb_arn_suffix          = module.ecs_service.alb_arn_suffix
  target_group_arn_suffix = module.ecs_service.target_group_arn_suffix
  ecs_cluster_name        = module.ecs_service.cluster_name
  ecs_service_name        = module.ecs_service.service_name
  min_running_tasks       = var.min_count
  lag_cluster_name        = local.msk_cluster_name
  lag_consumer_groups     = sort(values(local.consumer_groups))
  lag_threshold           = var.lag_alarm_threshold
  dlq_metrics             = local.dlq_metrics
  dlq_threshold           = var.dlq_alarm_threshold
}
