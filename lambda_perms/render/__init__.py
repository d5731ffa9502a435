"""Outputs for people and tools: policy formats (JSON, CloudFormation, Terraform) and the
generated Markdown documentation."""
