"""What :func:`~lambda_perms.algebra.validation.validate` reports: a :class:`Finding` with its
:class:`Severity`, and how findings name an element of the canonical document."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Finding", "Severity", "element_path"]


def __dir__() -> list[str]:
    return __all__


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a policy."""

    severity: Severity
    code: str
    message: str
    path: str

    def to_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "path": self.path,
        }

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.severity.value}: {where}{self.message} [{self.code}]"


def element_path(path: str, element: str, values: tuple[Any, ...], index: int) -> str:
    """The path of item ``index`` of ``element`` in the canonical document
    (:meth:`Policy.to_dict`), where a one-item list is written as its item."""
    return f"{path}.{element}" if len(values) == 1 else f"{path}.{element}[{index}]"
