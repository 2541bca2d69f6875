# The consumer groups whose lag is alarmed on and scaled on are the ones Pulse joins. Terraform
# reads them from src/main/resources/application.yml; these runs parse that file (and the
# @KafkaListener annotations in src/main/java) on their own and fail when the three disagree.
# Run from infra/: terraform init -backend=false && terraform test

mock_provider "aws" {}

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

run "alarms_and_scaling_watch_the_groups_of_application_yml" {
  command = plan

  # The Streams application id (default of its placeholder) and every pulse.listeners.<name>.group-id.
  assert {
    condition = toset(values(local.consumer_groups)) == toset(concat(
      regex(":([^}]+)}$", yamldecode(file("../src/main/resources/application.yml")).kafka.streams.default["application.id"]),
      [for listener in values(yamldecode(file("../src/main/resources/application.yml")).pulse.listeners) : listener["group-id"] if can(listener["group-id"])],
    ))
    error_message = "The consumer groups must be those of application.yml, got ${jsonencode(local.consumer_groups)}."
  }

  assert {
    condition     = length(local.consumer_groups) >= 2 && !contains(values(local.consumer_groups), "pulse")
    error_message = "Expected the Streams application and the listeners' groups (there is no group named pulse), got ${jsonencode(local.consumer_groups)}."
  }

  # Each listener's annotation default is the value application.yml declares (as Terraform read it),
  # and each declared group has a listener.
  assert {
    condition = merge([
      for f in fileset("../src/main/java", "**/*.java") : {
        for hit in regexall("groupId = \"\\$\\{pulse\\.listeners\\.([a-z0-9-]+)\\.group-id:([^}\"]+)\\}\"", file("../src/main/java/${f}")) : hit[0] => hit[1]
      }
    ]...) == local.listener_ids
    error_message = "The @KafkaListener groupId defaults in src/main/java and pulse.listeners.<name>.group-id in application.yml must name the same groups."
  }

  assert {
    condition     = toset(keys(var.lag_scaling_topics)) == toset(keys(local.consumer_groups))
    error_message = "lag_scaling_topics must list the input topics of exactly the consumers of application.yml: ${jsonencode(keys(local.consumer_groups))}."
  }

  assert {
    condition     = toset(keys(local.lag_metrics)) == toset(values(local.consumer_groups))
    error_message = "Every consumer group must have lag metrics to scale on, got ${jsonencode(keys(local.lag_metrics))}."
  }

  assert {
    condition = alltrue(flatten([
      for group, metrics in local.lag_metrics : [
        for m in metrics : m.namespace == "AWS/Kafka" && m.metric_name == "SumOffsetLag" && m.dimensions == { "Cluster Name" = "pulse-prod", "Consumer Group" = group, "Topic" = m.dimensions["Topic"] }
      ]
    ]))
    error_message = "Lag metrics must be MSK's SumOffsetLag of the cluster, per consumer group and topic."
  }

  assert {
    condition     = [for m in local.lag_metrics[local.consumer_groups["fraud"]] : m.dimensions["Topic"]] == ["transactions"]
    error_message = "The fraud listener's lag is that of the transactions topic."
  }

  assert {
    condition     = toset([for name in module.ecs_service.autoscaling_policy_names : name if startswith(name, "pulse-prod-lag-")]) == toset([for group in values(local.consumer_groups) : "pulse-prod-lag-${group}"])
    error_message = "There must be one lag scaling policy per consumer group, got ${jsonencode(module.ecs_service.autoscaling_policy_names)}."
  }

  assert {
    condition     = toset([for name in output.alarm_names : name if startswith(name, "pulse-prod-consumer-lag")]) == toset([for group in values(local.consumer_groups) : "pulse-prod-consumer-lag-${group}"])
    error_message = "There must be one lag alarm per consumer group, got ${jsonencode(output.alarm_names)}."
  }
}

# Micronaut lets the environment override a group id; the container gets extra_environment, so
# Terraform follows it.
run "a_group_renamed_in_the_environment_is_watched_under_its_new_name" {
  command = plan

  variables {
    extra_environment = {
      PULSE_STREAMS_APPLICATION_ID   = "aggregates-v2"
      PULSE_LISTENERS_FRAUD_GROUP_ID = "fraud-v2"
    }
  }

  assert {
    condition     = local.consumer_groups["streams"] == "aggregates-v2" && local.consumer_groups["fraud"] == "fraud-v2"
    error_message = "Group ids set in extra_environment must win, got ${jsonencode(local.consumer_groups)}."
  }

  assert {
    condition     = contains(output.alarm_names, "pulse-prod-consumer-lag-fraud-v2") && contains(output.alarm_names, "pulse-prod-consumer-lag-aggregates-v2")
    error_message = "The lag alarms must watch the renamed groups, got ${jsonencode(output.alarm_names)}."
  }
}

run "lag_scaling_only_for_the_consumers_given_topics" {
  command = plan

  variables {
    lag_scaling_topics = { streams = ["input-topic"] }
  }

  assert {
    condition     = keys(local.lag_metrics) == tolist([local.consumer_groups["streams"]])
    error_message = "Only consumers with topics in lag_scaling_topics get a lag policy."
  }

  assert {
    condition     = length([for name in output.alarm_names : name if startswith(name, "pulse-prod-consumer-lag-")]) == length(local.consumer_groups)
    error_message = "Every consumer group keeps its lag alarm."
  }
}
