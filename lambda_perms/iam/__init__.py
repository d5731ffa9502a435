"""The IAM model: action names and globs, ARNs and resource patterns, conditions, and the
immutable :class:`~lambda_perms.iam.policy.Policy` with its builder.

The bottom layer: it imports nothing of the package but :mod:`lambda_perms.errors`.
"""
