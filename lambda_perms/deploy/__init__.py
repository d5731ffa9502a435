"""Deploy policies: SAM CLI command lines, scope, need selection from the catalogue,
statements, template reading and scoping, the ``DeployPolicy`` result, and review of a
policy against what deploying needs.
"""
