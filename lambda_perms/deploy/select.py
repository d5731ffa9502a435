"""Which catalogue needs a command line brings in: :class:`Context`.

* a need applies when any one of its triggers applies;
* a command trigger (``sam deploy --resolve-s3 without --force-upload``) applies to the command
  and the permission-relevant flags on the line (:attr:`DeployOptions.flags`); a bucket in the
  scope stands for ``--s3-bucket``, and ``sam deploy`` / ``sam package`` without any of
  ``--s3-bucket``, ``--resolve-s3`` or ``--guided`` is taken to upload to a bucket of unknown
  name (``--s3-bucket``, rendered ``*``): SAM refuses to deploy a zip function otherwise;
* a resource-type trigger (``AWS::Lambda::Function create``) applies when the type is among
  :attr:`DeployOptions.resource_types` (default: one zip function with a SAM-created execution
  role) and the handler is one the command runs: ``sam deploy`` / ``sam sync`` run the create,
  read and update handlers, and the delete handlers when rollback is included (a failed first
  deploy deletes what it created); ``sam delete`` runs the delete handlers; ``sam package`` runs
  none;
* a property trigger (``AWS::Lambda::Function.VpcConfig``) applies when the property is named
  in :attr:`DeployOptions.properties` (or set in the template) and the need's phases are ones
  the command goes through (``sam delete``'s clean-up is not part of a deploy); without a
  template none is named, so they are off. With a template in the default mode, a
  CloudFormation need whose property belongs to a type the template deploys applies whether or
  not the property is set: the full handler lists, which ``tight=True`` narrows;
* rollback-only needs are dropped by ``rollback=False`` (``--no-rollback``), with a warning;
  ``sam delete`` keeps the delete handlers whatever the flag says, since deleting is its job.

Needs the catalogue does not hold are made here in its terms: a CloudFormation handler's
action on a type the catalogue does not curate (:func:`handler_need`), and what custom
resources and transforms require (:func:`plain_need`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from lambda_perms.catalogues.catalogue import Catalogue
from lambda_perms.catalogues.model import Need
from lambda_perms.catalogues.terms import (
    Caller,
    Command,
    CommandTrigger,
    Handler,
    Phase,
    ResourceTypeTrigger,
)
from lambda_perms.deploy.samcli import DeployOptions
from lambda_perms.deploy.scope import Scope

__all__ = [
    "COMMAND_PHASES",
    "Context",
    "curated_types",
    "effective_flags",
    "handler_need",
    "plain_need",
]


def __dir__() -> list[str]:
    return __all__


_DEPLOY_HANDLERS = frozenset({Handler.CREATE, Handler.READ, Handler.UPDATE})
_DEPLOYING = frozenset({Phase.PACKAGE, Phase.DEPLOY, Phase.UPDATE, Phase.ROLLBACK, Phase.BOOTSTRAP})
#: The phases each command goes through.
COMMAND_PHASES: Final[Mapping[Command, frozenset[Phase]]] = {
    Command.DEPLOY: _DEPLOYING,
    Command.SYNC: _DEPLOYING,
    Command.PACKAGE: frozenset({Phase.PACKAGE, Phase.BOOTSTRAP}),
    Command.DELETE: frozenset({Phase.DELETE}),
}


@dataclass(frozen=True)
class Context:
    """What decides whether a need applies: the command, its effective flags, the resource
    types (lower case) deployed, the properties (lower case) set, and whether rollback is in."""

    command: Command
    flags: tuple[str, ...]
    resource_types: frozenset[str]
    properties: frozenset[str]
    rollback: bool
    # with a template in the default (not tight) mode, every property rule of CloudFormation's
    # handlers for the template's types applies: the full handler lists
    full_handlers: bool = False

    def handlers(self) -> frozenset[Handler]:
        if self.command is Command.DELETE:
            return frozenset({Handler.DELETE})
        if self.command is Command.PACKAGE:
            return frozenset()
        return _DEPLOY_HANDLERS | ({Handler.DELETE} if self.rollback else set())

    def applies(self, need: Need) -> bool:
        if need.rollback_only and not self.rollback and self.command is not Command.DELETE:
            return False
        handlers = self.handlers()
        for trigger in need.triggers:
            if isinstance(trigger, CommandTrigger):
                if trigger.applies(self.command, self.flags):
                    return True
            elif isinstance(trigger, ResourceTypeTrigger):
                if trigger.resource_type.lower() in self.resource_types and (
                    trigger.handler in handlers
                ):
                    return True
            elif not self.in_command(need):
                continue
            elif trigger.property.lower() in self.properties or (
                self.full_handlers
                and need.caller is Caller.CLOUDFORMATION
                and trigger.property.split(".", 1)[0].lower() in self.resource_types
            ):
                return True
        return False

    def in_command(self, need: Need) -> bool:
        """Whether a need's phases are ones the command goes through (a property trigger names
        no command: ``sam deploy`` packages, deploys and may roll back, ``sam package`` only
        packages, ``sam delete`` only deletes)."""
        return not COMMAND_PHASES[self.command].isdisjoint(need.phases)


def effective_flags(options: DeployOptions, scope: Scope) -> tuple[str, ...]:
    """The command line's flags, with ``--s3-bucket`` when a bucket is given by the scope or an
    upload to a bucket of unknown name is implied."""
    flags = set(options.flags)
    managed = options.has("--resolve-s3") or options.has("--guided")
    if not options.has("--s3-bucket") and not managed:
        uploads = options.command in (Command.DEPLOY, Command.PACKAGE)
        if scope.bucket is not None or uploads:
            flags.add("--s3-bucket")
    return tuple(sorted(flags))


_HANDLER_PHASES: Final[Mapping[Handler, tuple[Phase, ...]]] = {
    Handler.CREATE: (Phase.DEPLOY, Phase.UPDATE),
    Handler.UPDATE: (Phase.UPDATE,),
    Handler.DELETE: (Phase.ROLLBACK,),
}
_HANDLER_VERBS: Final[Mapping[Handler, str]] = {
    Handler.CREATE: "creates",
    Handler.UPDATE: "updates",
    Handler.DELETE: "deletes (rollback of a failed deploy, replacement, removal from the template)",
}


@lru_cache(maxsize=8)
def curated_types(cat: Catalogue) -> frozenset[str]:
    """The resource types whose handler permissions the catalogue curates (lower case)."""
    return frozenset(
        t.resource_type.lower()
        for service in cat.services
        for need in service.needs
        for t in need.triggers
        if isinstance(t, ResourceTypeTrigger)
    )


@lru_cache(maxsize=4096)
def handler_need(action: str, resource_type: str, handler: Handler, delete_command: bool) -> Need:
    """The need of an action a CloudFormation handler of ``resource_type`` lists (phases: the
    handler's, or ``delete`` alone for ``sam delete``)."""
    from lambda_perms._data import cloudformation_version

    phases = (Phase.DELETE,) if delete_command else _HANDLER_PHASES[handler]
    version = cloudformation_version().split(" of ", 1)[0]
    return Need.model_validate(
        {
            "action": action,
            "phases": phases,
            "rollback_only": handler is Handler.DELETE and not delete_command,
            "caller": Caller.CLOUDFORMATION,
            "triggers": ({"resource_type": resource_type, "handler": handler},),
            "resources": ("*",),
            "star_reason": "scoped per template resource (see the statement's Resource)",
            "why": (
                f"CloudFormation's {resource_type} {handler.value} handler lists it: it may call "
                f"it when it {_HANDLER_VERBS[handler]} the resource."
            ),
            "evidence": (
                {
                    "kind": "cfn-schema",
                    "source": f"{resource_type} handlers.{handler.value}",
                    "version": version,
                },
            ),
        }
    )


@lru_cache(maxsize=64)
def plain_need(
    action: str, caller: Caller, phases: tuple[Phase, ...], why: str, evidence: str
) -> Need:
    """A need of the template's own (a custom resource, a transform), for the commands whose
    phases are ``phases``; ``evidence`` is one evidence entry as JSON (hashable, for the cache)."""
    return Need.model_validate(
        {
            "action": action,
            "phases": phases,
            "caller": caller,
            # the commands whose phases these are (custom resources run on delete too)
            "triggers": tuple(
                {"command": c.value}
                for c in (Command.DEPLOY, Command.SYNC, Command.DELETE)
                if not COMMAND_PHASES[c].isdisjoint(phases)
            ),
            "resources": ("*",),
            "star_reason": "scoped per template resource (see the statement's Resource)",
            "why": why,
            "evidence": (json.loads(evidence),),
        }
    )
