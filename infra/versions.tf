terraform {
  # 1.11: secret values are written through write-only attributes, so they stay out of the state.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Configure a remote, encrypted backend before the first real apply, e.g.
  #   terraform init -backend-config=backend.hcl   (with backend "s3" {} declared here)
  # The ElastiCache AUTH token is part of the state, so the state must be encrypted and private.
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}
