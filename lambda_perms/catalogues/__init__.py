"""What deployments need, as validated data: the deploy catalogue (per-service needs with
purpose and evidence, ARN templates, profiles) and the CloudFormation handler permissions.

Built from the shipped data files through :mod:`lambda_perms._data`, in the vocabulary of
:mod:`lambda_perms.iam`. (Named in the plural so that the package never shadows the public
:func:`lambda_perms.catalogue` function.)
"""
