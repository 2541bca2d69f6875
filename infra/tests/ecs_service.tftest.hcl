# The ecs-service module on its own, against a mocked AWS provider: autoscaling policies, IAM least
# privilege, load balancer health check and security group wiring.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/pulse-test" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/pulse-test-mock" }
  }

  mock_resource "aws_lb" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/pulse-test/50dc6c495c0c9188"
      arn_suffix = "app/pulse-test/50dc6c495c0c9188"
      dns_name   = "pulse-test-1.eu-west-1.elb.amazonaws.com"
    }
  }

  mock_resource "aws_lb_target_group" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/pulse-test/73e2d6bc24d8a067"
      arn_suffix = "targetgroup/pulse-test/73e2d6bc24d8a067"
    }
  }

  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/pulse-test" }
  }

  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/pulse-test:1" }
  }
}

variables {
  name               = "pulse-test"
  vpc_id             = "vpc-0123456789abcdef0"
  public_subnet_ids  = ["subnet-pub-a", "subnet-pub-b"]
  private_subnet_ids = ["subnet-priv-a", "subnet-priv-b"]
  image              = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/pulse:1.0.0"
  ecr_repository_arn = "arn:aws:ecr:eu-west-1:123456789012:repository/pulse"
  secrets = {
    PULSE_API_KEY = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pulse-test/api-key-AbCdEf"
    REDIS_URI     = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pulse-test/redis-uri-GhIjKl"
  }
  secret_arns = [
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pulse-test/api-key-AbCdEf",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pulse-test/redis-uri-GhIjKl",
  ]
  lag_metrics = {
    "pulse-aggregates" = [
      { namespace = "AWS/Kafka", metric_name = "SumOffsetLag", dimensions = { "Cluster Name" = "pulse-test", "Consumer Group" = "pulse-aggregates", "Topic" = "input-topic" } },
      { namespace = "AWS/Kafka", metric_name = "SumOffsetLag", dimensions = { "Cluster Name" = "pulse-test", "Consumer Group" = "pulse-aggregates", "Topic" = "user-events" } },
    ]
    "pulse-fraud-alerts" = [
      { namespace = "AWS/Kafka", metric_name = "SumOffsetLag", dimensions = { "Cluster Name" = "pulse-test", "Consumer Group" = "pulse-fraud-alerts", "Topic" = "transactions" } },
    ]
  }
}

run "scales_on_cpu_and_on_consumer_lag_per_task" {
  module {
    source = "./modules/ecs-service"
  }

  command = apply

  variables {
    cpu_target          = 55
    lag_target_per_task = 500
    min_count           = 2
    max_count           = 8
  }

  assert {
    condition     = aws_appautoscaling_target.this.min_capacity == 2 && aws_appautoscaling_target.this.max_capacity == 8 && aws_appautoscaling_target.this.scalable_dimension == "ecs:service:DesiredCount"
    error_message = "The service's desired count must scale between min_count and max_count."
  }

  assert {
    condition     = aws_appautoscaling_target.this.resource_id == "service/pulse-test/pulse-test"
    error_message = "The scalable target must be the ECS service."
  }

  assert {
    condition     = aws_appautoscaling_policy.cpu.policy_type == "TargetTrackingScaling" && aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].target_value == 55
    error_message = "CPU policy must track the cpu_target."
  }

  assert {
    condition     = aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "ECSServiceAverageCPUUtilization"
    error_message = "CPU policy must use the service's average CPU utilisation."
  }

  assert {
    condition     = keys(aws_appautoscaling_policy.lag) == ["pulse-aggregates", "pulse-fraud-alerts"] && aws_appautoscaling_policy.lag["pulse-fraud-alerts"].name == "pulse-test-lag-pulse-fraud-alerts"
    error_message = "There must be one lag policy per consumer group, named after it."
  }

  assert {
    condition = alltrue([
      for p in aws_appautoscaling_policy.lag : p.policy_type == "TargetTrackingScaling" && p.target_tracking_scaling_policy_configuration[0].target_value == 500
    ])
    error_message = "Each lag policy must track lag_target_per_task."
  }

  assert {
    condition = {
      for group, p in aws_appautoscaling_policy.lag : group => one([
        for m in p.target_tracking_scaling_policy_configuration[0].customized_metric_specification[0].metrics : m.expression if m.return_data
      ])
    } == { "pulse-aggregates" = "SUM([lag0, lag1]) / FILL(tasks, 1)", "pulse-fraud-alerts" = "SUM([lag0]) / FILL(tasks, 1)" }
    error_message = "Each lag policy must track its group's summed lag divided by the running tasks."
  }

  assert {
    condition = toset(flatten([
      for m in aws_appautoscaling_policy.lag["pulse-aggregates"].target_tracking_scaling_policy_configuration[0].customized_metric_specification[0].metrics : [
        for s in m.metric_stat : "${m.id}:${s.metric[0].namespace}/${s.metric[0].metric_name}"
      ]
    ])) == toset(["lag0:AWS/Kafka/SumOffsetLag", "lag1:AWS/Kafka/SumOffsetLag", "tasks:ECS/ContainerInsights/RunningTaskCount"])
    error_message = "A lag policy must read SumOffsetLag per topic and the running task count."
  }

  assert {
    condition = alltrue(flatten([
      for group, p in aws_appautoscaling_policy.lag : [
        for m in p.target_tracking_scaling_policy_configuration[0].customized_metric_specification[0].metrics : [
          for s in m.metric_stat : contains([for d in s.metric[0].dimensions : "${d.name}=${d.value}"], "Consumer Group=${group}") if m.id != "tasks"
        ]
      ]
    ]))
    error_message = "A lag policy must read the lag of its own consumer group only."
  }
}

run "no_lag_metrics_means_cpu_scaling_only" {
  module {
    source = "./modules/ecs-service"
  }

  command = plan

  variables {
    lag_metrics = {}
  }

  assert {
    condition     = length(aws_appautoscaling_policy.lag) == 0
    error_message = "Without lag metrics there is no lag policy."
  }
}

run "roles_have_least_privilege" {
  module {
    source = "./modules/ecs-service"
  }

  command = apply

  assert {
    condition = tolist(one([
      for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Resource if s.Sid == "ReadPulseSecrets"
    ])) == var.secret_arns
    error_message = "The execution role may read exactly the service's secrets."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Resource if s.Sid == "EcrPullPulseImage"
    ]) == "arn:aws:ecr:eu-west-1:123456789012:repository/pulse"
    error_message = "The execution role may pull from the service's repository only."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Resource if s.Sid == "WriteContainerLogs"
    ]) == "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/pulse-test:log-stream:*"
    error_message = "The execution role may write to the service's log group only."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Resource != "*" if s.Sid != "EcrAuthToken"
    ])
    error_message = "Only ecr:GetAuthorizationToken may use a wildcard resource."
  }

  assert {
    condition     = length(aws_iam_role_policy.task) == 0 && length(aws_iam_role_policy.execute_command) == 0
    error_message = "By default the application role has no permissions."
  }

  assert {
    condition     = jsondecode(aws_iam_role.task.assume_role_policy).Statement[0].Principal.Service == "ecs-tasks.amazonaws.com"
    error_message = "Only ECS tasks may assume the task role."
  }
}

run "alb_and_container_check_liveness_and_only_the_alb_reaches_tasks" {
  module {
    source = "./modules/ecs-service"
  }

  command = apply

  assert {
    condition     = aws_lb_target_group.this.health_check[0].path == "/health/liveness" && aws_lb_target_group.this.target_type == "ip" && aws_lb_target_group.this.port == 8080
    error_message = "The target group must check /health/liveness on the tasks' port 8080, got ${aws_lb_target_group.this.health_check[0].path}: readiness reports Redis, and a Redis outage would take every target out of service."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.command[0] == "CMD" && endswith(join(" ", jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.command), " HealthCheck http://127.0.0.1:8080/health/liveness")
    error_message = "The container health check must probe http://127.0.0.1:8080/health/liveness, got ${jsonencode(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.command)}."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.task_from_alb.referenced_security_group_id == aws_security_group.alb.id && aws_vpc_security_group_ingress_rule.task_from_alb.from_port == 8080
    error_message = "Tasks accept traffic from the ALB's security group on 8080 only."
  }

  assert {
    condition     = aws_lb_listener.http.default_action[0].type == "forward" && length(aws_lb_listener.https) == 0
    error_message = "Without a certificate port 80 forwards and there is no HTTPS listener."
  }

  assert {
    condition     = aws_ecs_service.this.launch_type == "FARGATE" && aws_ecs_service.this.deployment_circuit_breaker[0].rollback
    error_message = "The service runs on Fargate and rolls back failed deployments."
  }
}

run "https_with_a_certificate" {
  module {
    source = "./modules/ecs-service"
  }

  command = plan

  variables {
    certificate_arn   = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    alb_ingress_cidrs = ["203.0.113.0/24"]
  }

  assert {
    condition     = aws_lb_listener.http.default_action[0].type == "redirect" && aws_lb_listener.http.default_action[0].redirect[0].protocol == "HTTPS"
    error_message = "With a certificate port 80 redirects to HTTPS."
  }

  assert {
    condition     = length(aws_lb_listener.https) == 1 && aws_lb_listener.https[0].port == 443
    error_message = "With a certificate there is an HTTPS listener on 443."
  }

  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.alb_https) == ["203.0.113.0/24"] && keys(aws_vpc_security_group_ingress_rule.alb_http) == ["203.0.113.0/24"]
    error_message = "The ALB is open on 80 and 443 to alb_ingress_cidrs only."
  }
}
