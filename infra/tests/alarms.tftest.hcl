# The alarms module on its own, against a mocked AWS provider: one lag alarm per consumer group on
# MSK's SumOffsetLag, and none without an MSK cluster.

mock_provider "aws" {
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:pulse-test-alarms" }
  }
}

variables {
  name                    = "pulse-test"
  alb_arn_suffix          = "app/pulse-test/50dc6c495c0c9188"
  target_group_arn_suffix = "targetgroup/pulse-test/73e2d6bc24d8a067"
  ecs_cluster_name        = "pulse-test"
  ecs_service_name        = "pulse-test"
  min_running_tasks       = 2
  lag_cluster_name        = "pulse-test"
  lag_consumer_groups     = ["pulse-aggregates", "pulse-fraud-alerts"]
  lag_threshold           = 5000
}

run "one_lag_alarm_per_consumer_group" {
  module {
    source = "./modules/alarms"
  }

  command = apply

  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.consumer_lag) == ["pulse-aggregates", "pulse-fraud-alerts"] && aws_cloudwatch_metric_alarm.consumer_lag["pulse-fraud-alerts"].alarm_name == "pulse-test-consumer-lag-pulse-fraud-alerts"
    error_message = "There must be one lag alarm per consumer group, named after it."
  }

  assert {
    condition     = one(aws_cloudwatch_metric_alarm.consumer_lag["pulse-fraud-alerts"].metric_query).expression == "SELECT SUM(SumOffsetLag) FROM SCHEMA(\"AWS/Kafka\", \"Cluster Name\", \"Consumer Group\", Topic) WHERE \"Cluster Name\" = 'pulse-test' AND \"Consumer Group\" = 'pulse-fraud-alerts'"
    error_message = "A group's alarm must sum MSK's SumOffsetLag over every topic of that group in that cluster, got: ${one(aws_cloudwatch_metric_alarm.consumer_lag["pulse-fraud-alerts"].metric_query).expression}"
  }

  assert {
    condition = alltrue([
      for a in aws_cloudwatch_metric_alarm.consumer_lag : a.threshold == 5000 && a.comparison_operator == "GreaterThanThreshold" && one(a.metric_query).return_data && one(a.metric_query).period == 60 && a.alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:pulse-test-alarms"])
    ])
    error_message = "Each lag alarm must fire above lag_threshold, per minute, to the alarm topic."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.unhealthy_hosts.dimensions.TargetGroup == "targetgroup/pulse-test/73e2d6bc24d8a067"
    error_message = "The unhealthy-hosts alarm must watch the service's target group."
  }
}

run "no_msk_cluster_no_lag_alarms" {
  module {
    source = "./modules/alarms"
  }

  command = plan

  variables {
    lag_cluster_name = null
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.consumer_lag) == 0
    error_message = "Without an MSK cluster there is no lag metric to alarm on."
  }
}

run "a_group_name_that_would_break_the_query_is_refused" {
  module {
    source = "./modules/alarms"
  }

  command = plan

  variables {
    lag_consumer_groups = ["pulse' OR 'x"]
  }

  expect_failures = [var.lag_consumer_groups]
}
