"""The SAM transform, run offline: what ``sam package`` leaves in a template (S3 placeholders
for local artifacts), the real transform (PyPI ``aws-sam-translator``, the ``templates``
extra, imported when needed), and which SAM resource each expanded resource comes from.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, Final

from lambda_perms.deploy.template_model import SAM_TRANSFORM
from lambda_perms.deploy.template_text import EXTRA_HINT
from lambda_perms.errors import TemplateError

__all__ = [
    "DEFINITION_BODIES",
    "LOCAL_URI_PROPERTIES",
    "PLACEHOLDER_BUCKET",
    "is_local",
    "sam_origins",
    "translate",
]


def __dir__() -> list[str]:
    return __all__


#: The SAM properties ``sam package`` uploads when they name a local path.
LOCAL_URI_PROPERTIES: Final[Mapping[str, tuple[str, ...]]] = {
    "AWS::Serverless::Function": ("CodeUri",),
    "AWS::Serverless::LayerVersion": ("ContentUri",),
    "AWS::Serverless::Api": ("DefinitionUri",),
    "AWS::Serverless::HttpApi": ("DefinitionUri",),
    "AWS::Serverless::StateMachine": ("DefinitionUri",),
    "AWS::Serverless::GraphQLApi": ("SchemaUri",),
}
#: The bucket the placeholders name (never called).
PLACEHOLDER_BUCKET: Final[str] = "lambda-perms-placeholder"


def is_local(value: Any) -> bool:
    return isinstance(value, str) and not re.match(r"(s3|https?)://", value)


#: What stands in for a ``DefinitionBody`` that is an ``AWS::Include`` not read here.
DEFINITION_BODIES: Final[Mapping[str, Mapping[str, Any]]] = {
    "AWS::Serverless::Api": {
        "swagger": "2.0",
        "info": {"title": "included", "version": "1.0"},
        "paths": {},
    },
    "AWS::Serverless::HttpApi": {
        "openapi": "3.0.1",
        "info": {"title": "included", "version": "1.0"},
        "paths": {},
    },
}


class _ManagedPolicies(dict[str, str]):
    """Any managed policy name SAM looks up, as its AWS-managed ARN (no IAM call)."""

    def __missing__(self, key: str) -> str:
        return f"arn:aws:iam::aws:policy/{key}"


def translate(document: dict[str, Any], name: str) -> Mapping[str, Any]:
    try:
        from samtranslator.model.exceptions import (
            InvalidDocumentException,
            InvalidTemplateException,
        )
        from samtranslator.parser.parser import Parser
        from samtranslator.translator.translator import Translator
    except ImportError:
        raise TemplateError(
            f"the template uses the {SAM_TRANSFORM} transform; expanding it needs "
            f"aws-sam-translator: {EXTRA_HINT}",
            source=name,
        ) from None
    env = os.environ
    saved = {k: env.get(k) for k in ("AWS_DEFAULT_REGION", "AWS_REGION")}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    try:
        import logging

        logging.getLogger("samtranslator").setLevel(logging.ERROR)
        translated = Translator(None, Parser()).translate(
            document, parameter_values={}, get_managed_policy_map=_ManagedPolicies
        )
    except InvalidDocumentException as e:
        messages = "; ".join(str(getattr(c, "message", c)) for c in e.causes) or str(e)
        raise TemplateError(f"the SAM transform rejects it: {messages}", source=name) from None
    except InvalidTemplateException as e:
        raise TemplateError(f"the SAM transform rejects it: {e}", source=name) from None
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise TemplateError(
            f"the SAM transform failed ({type(e).__name__}: {e})", source=name
        ) from None
    finally:
        for key, value in saved.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
    resources = translated.get("Resources")
    if not isinstance(resources, Mapping):
        raise TemplateError("the SAM transform produced no resources", source=name)
    return resources


_IMPLICIT: Final[Mapping[str, str]] = {
    "ServerlessRestApi": "the implicit API of the functions' Api events",
    "ServerlessHttpApi": "the implicit HTTP API of the functions' HttpApi events",
}


def sam_origins(source: Mapping[str, Any], expanded: Mapping[str, Any]) -> dict[str, str]:
    """Expanded logical id -> the SAM resource it comes from (longest logical-id prefix)."""
    sam = {
        str(k): str(v.get("Type"))
        for k, v in source.items()
        if str(v.get("Type", "")).startswith("AWS::Serverless::")
    }
    by_length = sorted(sam, key=len, reverse=True)
    out: dict[str, str] = {}
    for logical_id in expanded:
        key = str(logical_id)
        implicit = next((v for k, v in _IMPLICIT.items() if key.startswith(k)), None)
        if implicit is not None and key not in sam:
            out[key] = implicit
            continue
        owner = next((k for k in by_length if key.startswith(k)), None)
        if owner is not None:
            out[key] = f"{owner} ({sam[owner]})"
    return out
