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
    from lambda_perms._catalogue import (
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
    from lambda_perms._universe import AccessLevel, Universe, UniverseVersion, universe
    from lambda_perms.actions import Action, ActionPattern
    from lambda_perms.algebra import DiffEntry, Minimized, PolicyDiff
    from lambda_perms.arn import Arn, ArnTemplate, ResourcePattern
    from lambda_perms.builder import PolicyBuilder, StatementBuilder
    from lambda_perms.deploy import DeployOptions, DeployPolicy, Scope, deploy_policy
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
    from lambda_perms.policy import (
        Condition,
        Decision,
        Effect,
        Evaluation,
        Policy,
        PolicyKind,
        Principal,
        Statement,
    )
    from lambda_perms.templates import Template, TemplateResource, load_template
    from lambda_perms.validation import Finding, Severity, validate

__all__ = [
    "AccessLevel",
    "Action",
    "ActionPattern",
    "Arn",
    "ArnTemplate",
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
    "catalogue",
    "deploy_policy",
    "load_template",
    "universe",
    "validate",
]

_HOME: dict[str, str] = {
    "deploy_policy": "deploy",
    "DeployOptions": "deploy",
    "Scope": "deploy",
    "DeployPolicy": "deploy",
    "catalogue": "_catalogue",
    "Catalogue": "_catalogue",
    "Need": "_catalogue",
    "Phase": "_catalogue",
    "Caller": "_catalogue",
    "Verdict": "_catalogue",
    "ServiceCatalogue": "_catalogue",
    "Profile": "_catalogue",
    "ProfileEntry": "_catalogue",
    "ResourceTemplate": "_catalogue",
    "Evidence": "_catalogue",
    "CommandTrigger": "_catalogue",
    "ResourceTypeTrigger": "_catalogue",
    "PropertyTrigger": "_catalogue",
    "Action": "actions",
    "ActionPattern": "actions",
    "Arn": "arn",
    "ArnTemplate": "arn",
    "ResourcePattern": "arn",
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
    "Template": "templates",
    "TemplateResource": "templates",
    "load_template": "templates",
    "Condition": "policy",
    "Decision": "policy",
    "Effect": "policy",
    "Evaluation": "policy",
    "Policy": "policy",
    "PolicyKind": "policy",
    "Principal": "policy",
    "Statement": "policy",
    "AccessLevel": "_universe",
    "Universe": "_universe",
    "UniverseVersion": "_universe",
    "universe": "_universe",
    "DiffEntry": "algebra",
    "Minimized": "algebra",
    "PolicyDiff": "algebra",
    "PolicyBuilder": "builder",
    "StatementBuilder": "builder",
    "Finding": "validation",
    "Severity": "validation",
    "validate": "validation",
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
