terraform {
  # 1.11: the SCRAM secret is written through a write-only attribute (kept out of state).
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 6.0"
    }
  }
}
