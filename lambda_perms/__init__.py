"""lambda_perms: which IAM permissions deploying AWS Lambda needs, and why; and an IAM algebra.

The everyday names are importable from here::

    >>> import lambda_perms
    >>> policy = lambda_perms.Policy.from_json(
    ...     '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",'
    ...     ' "Action": "lambda:GetFunction", "Resource": "*"}]}')
    >>> policy.allows("lambda:GetFunction", "arn:aws:lambda:us-east-1:123456789012:function:f")
    True

Importing the package reads no file and builds no model: each name below is imported from
its module on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lambda_perms._version import __version__

if TYPE_CHECKING:
    from lambda_perms._universe import AccessLevel, Universe, UniverseVersion, universe
    from lambda_perms.algebra.authorize import Authorization, authorize
    from lambda_perms.algebra.diff import DiffEntry, PolicyDiff
    from lambda_perms.algebra.minimize import Minimized
    from lambda_perms.algebra.validation import Finding, Severity, validate
    from lambda_perms.catalogues._catalogue import (
        Caller,
        Catalogue,
        CommandTrigger,
        Evidence,
        Need,
        Phase,
        Profile,
        ProfileEntry,
        PropertyTrigger,
        ResourceTemplate,
        ResourceTypeTrigger,
        ServiceCatalogue,
        Verdict,
        catalogue,
    )
    from lambda_perms.deploy._deploy import DeployOptions, DeployPolicy, Scope, deploy_policy
    from lambda_perms.deploy.templates import Template, TemplateResource, load_template
    from lambda_perms.errors import (
        DataError,
        InvalidActionError,
        InvalidArnError,
        InvalidPolicyError,
        LambdaPermsError,
        MissingPlaceholderError,
        QuotaError,
        TemplateError,
        UnknownNameError,
        UsageError,
    )
    from lambda_perms.iam.actions import Action, ActionPattern
    from lambda_perms.iam.arn import Arn, ArnTemplate, ResourcePattern
    from lambda_perms.iam.builder import PolicyBuilder, StatementBuilder
    from lambda_perms.iam.policy import (
        Condition,
        Decision,
        Effect,
        Evaluation,
        Policy,
        PolicyKind,
        Principal,
        Statement,
    )
    from lambda_perms.iam.request import Request

__all__ = [
    "AccessLevel",
    "Action",
    "ActionPattern",
    "Arn",
    "ArnTemplate",
    "Authorization",
    "Caller",
    "Catalogue",
    "CommandTrigger",
    "Condition",
    "DataError",
    "Decision",
    "DeployOptions",
    "DeployPolicy",
    "DiffEntry",
    "Effect",
    "Evaluation",
    "Evidence",
    "Finding",
    "InvalidActionError",
    "InvalidArnError",
    "InvalidPolicyError",
    "LambdaPermsError",
    "Minimized",
    "MissingPlaceholderError",
    "Need",
    "Phase",
    "Policy",
    "PolicyBuilder",
    "PolicyDiff",
    "PolicyKind",
    "Principal",
    "Profile",
    "ProfileEntry",
    "PropertyTrigger",
    "QuotaError",
    "Request",
    "ResourcePattern",
    "ResourceTemplate",
    "ResourceTypeTrigger",
    "Scope",
    "ServiceCatalogue",
    "Severity",
    "Statement",
    "StatementBuilder",
    "Template",
    "TemplateError",
    "TemplateResource",
    "Universe",
    "UniverseVersion",
    "UnknownNameError",
    "UsageError",
    "Verdict",
    "__version__",
    "authorize",
    "catalogue",
    "deploy_policy",
    "load_template",
    "universe",
    "validate",
]

_HOME: dict[str, str] = {
    "deploy_policy": "deploy._deploy",
    "DeployOptions": "deploy._deploy",
    "Scope": "deploy._deploy",
    "DeployPolicy": "deploy._deploy",
    "catalogue": "catalogues._catalogue",
    "Catalogue": "catalogues._catalogue",
    "Need": "catalogues._catalogue",
    "Phase": "catalogues._catalogue",
    "Caller": "catalogues._catalogue",
    "Verdict": "catalogues._catalogue",
    "ServiceCatalogue": "catalogues._catalogue",
    "Profile": "catalogues._catalogue",
    "ProfileEntry": "catalogues._catalogue",
    "ResourceTemplate": "catalogues._catalogue",
    "Evidence": "catalogues._catalogue",
    "CommandTrigger": "catalogues._catalogue",
    "ResourceTypeTrigger": "catalogues._catalogue",
    "PropertyTrigger": "catalogues._catalogue",
    "Action": "iam.actions",
    "ActionPattern": "iam.actions",
    "Arn": "iam.arn",
    "ArnTemplate": "iam.arn",
    "ResourcePattern": "iam.arn",
    "DataError": "errors",
    "InvalidActionError": "errors",
    "InvalidArnError": "errors",
    "InvalidPolicyError": "errors",
    "LambdaPermsError": "errors",
    "MissingPlaceholderError": "errors",
    "UnknownNameError": "errors",
    "QuotaError": "errors",
    "UsageError": "errors",
    "TemplateError": "errors",
    "Template": "deploy.templates",
    "TemplateResource": "deploy.templates",
    "load_template": "deploy.templates",
    "Condition": "iam.policy",
    "Decision": "iam.policy",
    "Effect": "iam.policy",
    "Evaluation": "iam.policy",
    "Policy": "iam.policy",
    "PolicyKind": "iam.policy",
    "Principal": "iam.policy",
    "Statement": "iam.policy",
    "Request": "iam.request",
    "AccessLevel": "_universe",
    "Universe": "_universe",
    "UniverseVersion": "_universe",
    "universe": "_universe",
    "Authorization": "algebra.authorize",
    "authorize": "algebra.authorize",
    "DiffEntry": "algebra.diff",
    "Minimized": "algebra.minimize",
    "PolicyDiff": "algebra.diff",
    "PolicyBuilder": "iam.builder",
    "StatementBuilder": "iam.builder",
    "Finding": "algebra.validation",
    "Severity": "algebra.validation",
    "validate": "algebra.validation",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'lambda_perms' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"lambda_perms.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
