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

from lambda_perms._version import __version__ as __version__

if TYPE_CHECKING:
    from lambda_perms._universe import AccessLevel as AccessLevel
    from lambda_perms._universe import Universe as Universe
    from lambda_perms._universe import UniverseVersion as UniverseVersion
    from lambda_perms._universe import universe as universe
    from lambda_perms.algebra.authorize import Authorization as Authorization
    from lambda_perms.algebra.authorize import authorize as authorize
    from lambda_perms.algebra.diff import DiffEntry as DiffEntry
    from lambda_perms.algebra.diff import PolicyDiff as PolicyDiff
    from lambda_perms.algebra.minimize import Minimized as Minimized
    from lambda_perms.algebra.validation import Finding as Finding
    from lambda_perms.algebra.validation import Severity as Severity
    from lambda_perms.algebra.validation import validate as validate
    from lambda_perms.catalogues.catalogue import Catalogue as Catalogue
    from lambda_perms.catalogues.catalogue import catalogue as catalogue
    from lambda_perms.catalogues.model import Evidence as Evidence
    from lambda_perms.catalogues.model import Need as Need
    from lambda_perms.catalogues.model import Profile as Profile
    from lambda_perms.catalogues.model import ProfileEntry as ProfileEntry
    from lambda_perms.catalogues.model import ResourceTemplate as ResourceTemplate
    from lambda_perms.catalogues.model import ServiceCatalogue as ServiceCatalogue
    from lambda_perms.catalogues.terms import Caller as Caller
    from lambda_perms.catalogues.terms import CommandTrigger as CommandTrigger
    from lambda_perms.catalogues.terms import Phase as Phase
    from lambda_perms.catalogues.terms import PropertyTrigger as PropertyTrigger
    from lambda_perms.catalogues.terms import ResourceTypeTrigger as ResourceTypeTrigger
    from lambda_perms.catalogues.terms import Verdict as Verdict
    from lambda_perms.deploy.generate import deploy_policy as deploy_policy
    from lambda_perms.deploy.result import DeployPolicy as DeployPolicy
    from lambda_perms.deploy.samcli import DeployOptions as DeployOptions
    from lambda_perms.deploy.scope import Scope as Scope
    from lambda_perms.deploy.template_model import Template as Template
    from lambda_perms.deploy.template_model import TemplateResource as TemplateResource
    from lambda_perms.deploy.templates import load_template as load_template
    from lambda_perms.errors import DataError as DataError
    from lambda_perms.errors import InvalidActionError as InvalidActionError
    from lambda_perms.errors import InvalidArnError as InvalidArnError
    from lambda_perms.errors import InvalidPolicyError as InvalidPolicyError
    from lambda_perms.errors import LambdaPermsError as LambdaPermsError
    from lambda_perms.errors import MissingPlaceholderError as MissingPlaceholderError
    from lambda_perms.errors import QuotaError as QuotaError
    from lambda_perms.errors import SamconfigError as SamconfigError
    from lambda_perms.errors import TemplateError as TemplateError
    from lambda_perms.errors import UnknownNameError as UnknownNameError
    from lambda_perms.errors import UsageError as UsageError
    from lambda_perms.iam.actions import Action as Action
    from lambda_perms.iam.actions import ActionPattern as ActionPattern
    from lambda_perms.iam.arn import Arn as Arn
    from lambda_perms.iam.arn import ArnTemplate as ArnTemplate
    from lambda_perms.iam.arn import ResourcePattern as ResourcePattern
    from lambda_perms.iam.builder import PolicyBuilder as PolicyBuilder
    from lambda_perms.iam.builder import StatementBuilder as StatementBuilder
    from lambda_perms.iam.policy import Condition as Condition
    from lambda_perms.iam.policy import Decision as Decision
    from lambda_perms.iam.policy import Effect as Effect
    from lambda_perms.iam.policy import Evaluation as Evaluation
    from lambda_perms.iam.policy import Policy as Policy
    from lambda_perms.iam.policy import PolicyKind as PolicyKind
    from lambda_perms.iam.policy import Principal as Principal
    from lambda_perms.iam.policy import Statement as Statement
    from lambda_perms.iam.request import Request as Request

#: The one list of public names: each name -> the module (under ``lambda_perms``) that defines
#: it, imported on first use. ``__all__`` is derived from it; the ``TYPE_CHECKING`` imports
#: above repeat it for type checkers (tests/test_import.py checks that they agree).
_HOME: dict[str, str] = {
    "deploy_policy": "deploy.generate",
    "DeployOptions": "deploy.samcli",
    "Scope": "deploy.scope",
    "DeployPolicy": "deploy.result",
    "catalogue": "catalogues.catalogue",
    "Catalogue": "catalogues.catalogue",
    "Need": "catalogues.model",
    "Phase": "catalogues.terms",
    "Caller": "catalogues.terms",
    "Verdict": "catalogues.terms",
    "ServiceCatalogue": "catalogues.model",
    "Profile": "catalogues.model",
    "ProfileEntry": "catalogues.model",
    "ResourceTemplate": "catalogues.model",
    "Evidence": "catalogues.model",
    "CommandTrigger": "catalogues.terms",
    "ResourceTypeTrigger": "catalogues.terms",
    "PropertyTrigger": "catalogues.terms",
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
    "SamconfigError": "errors",
    "UsageError": "errors",
    "TemplateError": "errors",
    "Template": "deploy.template_model",
    "TemplateResource": "deploy.template_model",
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

__all__ = sorted(["__version__", *_HOME])  # noqa: PLE0605  (derived, not a second list)


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'lambda_perms' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"lambda_perms.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
