"""The one exception hierarchy of lambda_perms.

Every error the library raises on purpose derives from :class:`LambdaPermsError` and from
the built-in exception that callers already catch (``ValueError`` for bad input,
``KeyError`` for failed look-ups), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "InvalidActionError",
    "InvalidArnError",
    "InvalidPolicyError",
    "LambdaPermsError",
    "MissingPlaceholderError",
    "QuotaError",
    "SamconfigError",
    "TemplateError",
    "UnknownNameError",
    "UsageError",
]


def __dir__() -> list[str]:
    return __all__


class LambdaPermsError(Exception):
    """Base class of every error lambda_perms raises on purpose."""


class InvalidPolicyError(LambdaPermsError, ValueError):
    """A policy document is not one AWS would accept.

    ``path`` locates the bad element in JSON-path style (``Statement[2].Action[0]``; empty
    for the document itself); the message quotes the bad value.
    """

    def __init__(self, message: str, *, path: str = "") -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


class InvalidActionError(LambdaPermsError, ValueError):
    """A string is not an IAM action name (or, where a pattern is allowed, an action glob)."""


class InvalidArnError(LambdaPermsError, ValueError):
    """A string is not an ARN (or an ARN pattern) of the expected shape."""


class MissingPlaceholderError(LambdaPermsError, KeyError):
    """An ARN template names a placeholder for which no value was given."""

    def __init__(self, message: str, *, placeholder: str) -> None:
        self.placeholder = placeholder
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class UnknownNameError(LambdaPermsError, KeyError):
    """A look-up by name (action, service prefix, profile, ...) found nothing.

    ``suggestions`` holds close matches, best first ("did you mean").
    """

    def __init__(self, message: str, *, name: str, suggestions: tuple[str, ...] = ()) -> None:
        self.name = name
        self.suggestions = suggestions
        if suggestions:
            message = f"{message}; did you mean {', '.join(map(repr, suggestions))}?"
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


class DataError(LambdaPermsError, ValueError):
    """A shipped or user-supplied data file is malformed; names the file and the field."""

    def __init__(self, message: str, *, file: str, field: str = "") -> None:
        self.file = file
        self.field = field
        self.message = message
        where = f"{file}: {field}" if field else file
        super().__init__(f"{where}: {message}")


class QuotaError(LambdaPermsError, ValueError):
    """A policy cannot be made to fit a size quota (or the quota is unknown)."""


class UsageError(LambdaPermsError, ValueError):
    """An argument is out of range (an unknown style, kind or option value)."""


class TemplateError(LambdaPermsError, ValueError):
    """A template cannot be read: not YAML or JSON, not a CloudFormation template, a resource
    type CloudFormation does not know, or a SAM document the SAM transform rejects.

    ``path`` locates the bad element (``Resources.MyFunction.Type``; empty for the document
    itself), ``source`` names the template (a file name, or ``<dict>``).
    """

    def __init__(self, message: str, *, source: str = "", path: str = "") -> None:
        self.source = source
        self.path = path
        self.message = message
        where = ": ".join(p for p in (source, path) if p)
        super().__init__(f"{where}: {message}" if where else message)


class SamconfigError(LambdaPermsError, ValueError):
    """A SAM CLI configuration file (``samconfig.toml``/``.yaml``/``.yml``) cannot be read as
    SAM CLI reads it, or one of its values is not one SAM CLI accepts.

    ``file`` names the file, ``path`` the key (``default.deploy.parameters.resolve_s3``; empty
    for the file itself), ``suggestions`` close matches (an environment's name, a choice).
    """

    def __init__(
        self, message: str, *, file: str = "", path: str = "", suggestions: tuple[str, ...] = ()
    ) -> None:
        self.file = file
        self.path = path
        self.suggestions = suggestions
        if suggestions:
            message = f"{message}; did you mean {', '.join(map(repr, suggestions))}?"
        self.message = message
        where = ": ".join(p for p in (file, path) if p)
        super().__init__(f"{where}: {message}" if where else message)
