"""The deploy catalogue: every IAM permission deploying AWS Lambda with the SAM CLI can need.

>>> import lambda_perms
>>> cat = lambda_perms.catalogue()
>>> "cloudformation:createchangeset" in cat
True
>>> cat.needs("cloudformation:CreateChangeSet")[0].action
Action('cloudformation:CreateChangeSet')

Loading is lazy and cached: :func:`catalogue` lists ``services/`` without reading it, a service
file is parsed (``tomllib``) and validated (the pydantic models of
:mod:`lambda_perms.catalogues.model`) the first time one of its actions is asked for, and
``catalogue.cache_clear()`` drops everything. :meth:`Catalogue.from_directory` loads another
directory of the same layout (fixture catalogues in tests, a user's own catalogue).

The models check each file; the loader adds the rules across files: a service file's
``prefix`` and a profile's ``name`` are the file's name, ``resources`` names templates of
``resources.toml``, and every action exists in the action universe, spelled as AWS spells it.
That last rule needs the universe snapshot, whose load costs more than the whole catalogue's.
:meth:`Catalogue.from_directory` checks it as each file is loaded; the shipped catalogue
(:func:`catalogue`) is checked by the test suite instead (``Catalogue.problems()`` runs every
rule over every file), so that a look-up stays cheap.
"""

from __future__ import annotations

import difflib
import os
import pathlib
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import cache
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, TypeVar

from lambda_perms import _data
from lambda_perms.catalogues._schema import did_you_mean, first, load
from lambda_perms.catalogues.model import (
    Need,
    Profile,
    ResourcesFile,
    ResourceTemplate,
    ServiceCatalogue,
)
from lambda_perms.catalogues.terms import (
    Command,
    CommandTrigger,
    Handler,
    Phase,
    ResourceTypeTrigger,
    Trigger,
)
from lambda_perms.errors import DataError, InvalidActionError, UnknownNameError
from lambda_perms.iam.actions import Action

if TYPE_CHECKING:
    from lambda_perms._universe import Universe

__all__ = ["Catalogue", "catalogue"]


def __dir__() -> list[str]:
    return __all__


_E = TypeVar("_E", bound=StrEnum)


def _member(enum: type[_E], value: str | _E, what: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        known = [m.value for m in enum]
        raise UnknownNameError(
            f"unknown {what} {value!r} (known: {', '.join(known)})",
            name=str(value),
            suggestions=tuple(difflib.get_close_matches(str(value).lower(), known, 3, 0.5)),
        ) from None


class Catalogue:
    """The catalogue of one data directory, loaded lazily and cached per instance.

    Use :func:`catalogue` for the shipped one and :meth:`from_directory` for another.
    """

    __slots__ = (
        "__weakref__",
        "_check_universe",
        "_label",
        "_listing",
        "_profiles",
        "_root",
        "_services",
        "_templates",
        "_universe",
    )

    def __init__(
        self,
        root: Traversable,
        *,
        label: str,
        universe: Universe | None = None,
        check_universe: bool = True,
    ) -> None:
        self._root = root
        self._label = label.rstrip("/")
        self._universe = universe
        self._check_universe = check_universe
        self._listing: dict[str, tuple[str, ...]] = {}
        self._services: dict[str, ServiceCatalogue] = {}
        self._profiles: dict[str, Profile] = {}
        self._templates: dict[str, ResourceTemplate] | None = None

    @classmethod
    def from_directory(
        cls,
        path: str | os.PathLike[str],
        *,
        universe: Universe | None = None,
        check_universe: bool = True,
    ) -> Catalogue:
        """The catalogue in ``path`` (``resources.toml``, ``services/``, ``profiles/``).

        ``universe`` is the action universe its actions are checked against (default: the
        shipped snapshot); ``check_universe=False`` skips that check while loading.

        :raises DataError: when ``path`` is not a directory.
        """
        root = pathlib.Path(path)
        if not root.is_dir():
            raise DataError("not a directory", file=str(path))
        return cls(root, label=str(path), universe=universe, check_universe=check_universe)

    def __repr__(self) -> str:
        return f"Catalogue({self._label!r})"

    # -- files -------------------------------------------------------------------------

    def _file(self, relative: str) -> str:
        return f"{self._label}/{relative}"

    def _names(self, folder: str) -> tuple[str, ...]:
        """The stems of the ``.toml`` files in ``folder`` (sorted), listed once."""
        if folder not in self._listing:
            node = self._root.joinpath(folder)
            stems = (
                sorted(
                    child.name[: -len(".toml")]
                    for child in node.iterdir()
                    if child.name.endswith(".toml") and not child.name.startswith(".")
                )
                if node.is_dir()
                else []
            )
            self._listing[folder] = tuple(stems)
        return self._listing[folder]

    @property
    def label(self) -> str:
        """How file names start in errors and listings (``data`` for the shipped catalogue)."""
        return self._label

    @property
    def files(self) -> tuple[str, ...]:
        """The catalogue's files, labelled (``data/services/lambda.toml``), sorted."""
        return (
            self._file("resources.toml"),
            *(self._file(f"profiles/{n}.toml") for n in self._names("profiles")),
            *(self._file(f"services/{n}.toml") for n in self._names("services")),
        )

    @property
    def universe(self) -> Universe:
        """The action universe the catalogue is checked against (loaded on first use)."""
        if self._universe is None:
            from lambda_perms._universe import universe

            self._universe = universe()
        return self._universe

    # -- loading and checking ----------------------------------------------------------

    def _load_templates(self) -> tuple[dict[str, ResourceTemplate] | None, list[DataError]]:
        parsed, problems = load(ResourcesFile, "resources.toml", root=self._root, label=self._label)
        if parsed is None:
            return None, problems
        return {
            name: ResourceTemplate(name=name, arn=entry.arn, description=entry.description)
            for name, entry in parsed.templates.items()
        }, []

    def _templates_or_raise(self) -> dict[str, ResourceTemplate]:
        if self._templates is None:
            templates, problems = self._load_templates()
            if templates is None:
                raise first(problems)
            self._templates = templates
        return self._templates

    def _check_action(self, text: str, file: str, field: str) -> DataError | None:
        universe = self.universe
        if not universe.exists(text):
            return DataError(
                f"{text!r} is not an action in the universe snapshot {universe.version}"
                + did_you_mean(universe.suggest(text)),
                file=file,
                field=field,
            )
        canonical = universe.canonical(text).text
        if canonical != text:
            return DataError(f"AWS spells {text!r} as {canonical!r}", file=file, field=field)
        return None

    def _load_service(
        self,
        prefix: str,
        templates: Mapping[str, ResourceTemplate] | None,
        *,
        check_universe: bool,
    ) -> tuple[ServiceCatalogue | None, list[DataError]]:
        relative = f"services/{prefix}.toml"
        file = self._file(relative)
        service, problems = load(ServiceCatalogue, relative, root=self._root, label=self._label)
        if service is None:
            return None, problems
        if service.prefix != prefix:
            problems.append(
                DataError(
                    f"the prefix {service.prefix!r} differs from the file name {prefix!r}",
                    file=file,
                    field="prefix",
                )
            )
            check_universe = False  # the names would all be reported under the wrong prefix
        for name, entry in service.entries.items():
            if check_universe:
                problem = self._check_action(f"{service.prefix}:{name}", file, f"actions.{name}")
                if problem is not None:
                    problems.append(problem)
            for i, need in enumerate(entry.needs):
                for j, resource in enumerate(need.resources):
                    if templates is not None and resource != "*" and resource not in templates:
                        close = difflib.get_close_matches(resource, list(templates), 3, 0.6)
                        problems.append(
                            DataError(
                                f"no template {resource!r} in {self._file('resources.toml')}"
                                + did_you_mean(close),
                                file=file,
                                field=f"actions.{name}.needs[{i}].resources[{j}]",
                            )
                        )
        return service, problems

    def _load_profile(
        self, name: str, *, check_universe: bool
    ) -> tuple[Profile | None, list[DataError]]:
        relative = f"profiles/{name}.toml"
        file = self._file(relative)
        profile, problems = load(Profile, relative, root=self._root, label=self._label)
        if profile is None:
            return None, problems
        if profile.name != name:
            problems.append(
                DataError(
                    f"the name {profile.name!r} differs from the file name {name!r}",
                    file=file,
                    field="name",
                )
            )
        if check_universe:
            for i, entry in enumerate(profile.actions):
                problem = self._check_action(entry.action.text, file, f"actions[{i}].action")
                if problem is not None:
                    problems.append(problem)
        return profile, problems

    def problems(self) -> tuple[DataError, ...]:
        """Every rule violation of every file (the universe check included), in file order.

        Loading stops at a file's first problem; this collects them all (for a linter).
        """
        out: list[DataError] = []
        templates, problems = self._load_templates()
        out += problems
        for name in self._names("profiles"):
            out += self._load_profile(name, check_universe=True)[1]
        if not self._root.joinpath("services").is_dir():
            out.append(DataError("the services directory is missing", file=self._file("services")))
        for prefix in self._names("services"):
            out += self._load_service(prefix, templates, check_universe=True)[1]
        return tuple(out)

    # -- services and needs ------------------------------------------------------------

    @property
    def prefixes(self) -> tuple[str, ...]:
        """The service prefixes the catalogue has files for (no file is read)."""
        if not self._root.joinpath("services").is_dir():
            raise DataError("the services directory is missing", file=self._file("services"))
        return self._names("services")

    def service(self, prefix: str) -> ServiceCatalogue:
        """The catalogue of one service prefix (any case), loaded on first use.

        :raises UnknownNameError: when the catalogue has no such service.
        :raises DataError: when its file breaks a rule.
        """
        key = prefix.lower()
        cached = self._services.get(key)
        if cached is not None:
            return cached
        if key not in self.prefixes:
            raise UnknownNameError(
                f"the catalogue has no service {prefix!r}",
                name=prefix,
                suggestions=tuple(difflib.get_close_matches(key, self.prefixes, 3, 0.6)),
            )
        templates = self._templates_or_raise()
        service, problems = self._load_service(key, templates, check_universe=self._check_universe)
        if service is None or problems:
            raise first(problems)
        self._services[key] = service
        return service

    @property
    def services(self) -> tuple[ServiceCatalogue, ...]:
        """Every service, by prefix (loads them all)."""
        return tuple(self.service(prefix) for prefix in self.prefixes)

    def all_needs(self) -> tuple[Need, ...]:
        """Every need of every service, by service, then as :attr:`ServiceCatalogue.needs`
        orders them (loads every service)."""
        return tuple(need for service in self.services for need in service.needs)

    def needs(self, action: Action | str) -> tuple[Need, ...]:
        """Why ``action`` (any case) is needed: its needs, as written.

        :raises UnknownNameError: when the catalogue does not have it (with close matches
            from the catalogue and the universe).
        :raises InvalidActionError: when ``action`` is not an action name.
        """
        parsed = Action.parse(str(action))
        if parsed.prefix.lower() in self.prefixes:
            found = self.service(parsed.prefix).needs_of(parsed)
            if found:
                return found
        raise self._unknown(parsed)

    def __contains__(self, action: object) -> bool:
        if not isinstance(action, str | Action):
            return False
        try:
            parsed = Action.parse(str(action))
        except InvalidActionError:
            return False
        prefix = parsed.prefix.lower()
        return prefix in self.prefixes and bool(self.service(prefix).needs_of(parsed))

    def _unknown(self, action: Action) -> UnknownNameError:
        prefix = action.prefix.lower()
        if prefix in self.prefixes:  # close names of the same service
            mine = {a.name.lower(): a.text for a in self.service(prefix).actions}
            close = [mine[k] for k in difflib.get_close_matches(action.name.lower(), list(mine))]
        else:
            mine = {a.key: a.text for a in self.actions()}
            close = [mine[k] for k in difflib.get_close_matches(action.key, list(mine), 3, 0.8)]
        universe = self.universe
        if universe.exists(action):
            canonical = universe.canonical(action).text
            return UnknownNameError(
                f"{canonical!r} is an IAM action, but no Lambda deployment in the catalogue "
                "needs it",
                name=action.text,
                suggestions=tuple(close),
            )
        suggestions = dict.fromkeys([*close, *universe.suggest(action)])
        return UnknownNameError(
            f"{action.text!r} is neither in the catalogue nor an IAM action",
            name=action.text,
            suggestions=tuple(suggestions)[:5],
        )

    def evidence_versions(self) -> tuple[str, ...]:
        """The versioned sources the catalogue's evidence cites (``sam-cli 1.170.0``, ...),
        sorted."""
        found = {
            f"{evidence.kind.value} {evidence.version}"
            for need in self.all_needs()
            for evidence in need.evidence
            if evidence.version
        }
        return tuple(sorted(found))

    def actions(self) -> tuple[Action, ...]:
        """Every action of the catalogue, sorted, in AWS's spelling."""
        return tuple(sorted(a for s in self.services for a in s.actions))

    # -- queries -----------------------------------------------------------------------

    def by_phase(self, phase: Phase | str) -> tuple[Need, ...]:
        """The needs used in ``phase``.

        :raises UnknownNameError: for an unknown phase.
        """
        wanted = _member(Phase, phase, "phase")
        return tuple(n for n in self.all_needs() if wanted in n.phases)

    def by_trigger(
        self,
        *,
        command: Command | str | None = None,
        flags: Iterable[str] | str = (),
        resource_type: str | None = None,
        handler: Handler | str | None = None,
        property: str | None = None,  # the data format's own word
    ) -> tuple[Need, ...]:
        """The needs that a situation brings in (any criterion given suffices).

        * ``command`` (with ``flags`` as on the command line: ``["--resolve-s3",
          "--on-failure DELETE"]``): the needs of ``sam <command>`` with those flags; without
          ``command``, ``flags`` selects the command triggers that name all of them.
        * ``resource_type`` (with an optional ``handler``): the resource handlers of a type in
          the template.
        * ``property``: a template property (``AWS::Lambda::Function.VpcConfig``).

        :raises TypeError: when no criterion is given.
        :raises UnknownNameError: for an unknown command or handler.
        """
        given = (flags,) if isinstance(flags, str) else tuple(flags)
        if command is None and not given and resource_type is None and property is None:
            raise TypeError("by_trigger() needs a command, flags, a resource_type or a property")
        wanted_command = None if command is None else _member(Command, command, "command")
        wanted_handler = None if handler is None else _member(Handler, handler, "handler")

        def brings_in(trigger: Trigger) -> bool:
            if isinstance(trigger, CommandTrigger):
                if wanted_command is not None:
                    return trigger.applies(wanted_command, given)
                return bool(given) and all(f in trigger.flags for f in given)
            if isinstance(trigger, ResourceTypeTrigger):
                return (
                    resource_type is not None
                    and trigger.resource_type.lower() == resource_type.lower()
                    and (wanted_handler is None or trigger.handler is wanted_handler)
                )
            return property is not None and trigger.property.lower() == property.lower()

        return tuple(n for n in self.all_needs() if any(brings_in(t) for t in n.triggers))

    def by_resource_type(
        self, resource_type: str, handler: Handler | str | None = None
    ) -> tuple[Need, ...]:
        """The needs of a CloudFormation resource type's handlers (optionally one handler)."""
        return self.by_trigger(resource_type=resource_type, handler=handler)

    def rollback_only(self) -> tuple[Need, ...]:
        """The needs used only when a failed deployment rolls back."""
        return tuple(n for n in self.all_needs() if n.rollback_only)

    # -- templates and profiles --------------------------------------------------------

    @property
    def templates(self) -> tuple[ResourceTemplate, ...]:
        """Every ARN template of ``resources.toml``, by name."""
        return tuple(self._templates_or_raise().values())

    def template(self, name: str) -> ResourceTemplate:
        """The ARN template ``name``.

        :raises UnknownNameError: when there is none.
        """
        templates = self._templates_or_raise()
        found = templates.get(name)
        if found is None:
            raise UnknownNameError(
                f"no ARN template {name!r}",
                name=name,
                suggestions=tuple(difflib.get_close_matches(name, list(templates), 3, 0.6)),
            )
        return found

    def profile(self, name: str) -> Profile:
        """The profile ``name`` (``article``: the seed article's list).

        :raises UnknownNameError: when there is none.
        :raises DataError: when its file breaks a rule.
        """
        cached = self._profiles.get(name)
        if cached is not None:
            return cached
        names = self._names("profiles")
        if name not in names:
            raise UnknownNameError(
                f"the catalogue has no profile {name!r}",
                name=name,
                suggestions=tuple(difflib.get_close_matches(name, names, 3, 0.6)),
            )
        profile, problems = self._load_profile(name, check_universe=self._check_universe)
        if profile is None or problems:
            raise first(problems)
        self._profiles[name] = profile
        return profile

    @property
    def profiles(self) -> tuple[Profile, ...]:
        """Every profile, by name (loads them all)."""
        return tuple(self.profile(name) for name in self._names("profiles"))


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue, loaded lazily (a file on first use) and cached.

    ``catalogue.cache_clear()`` drops the cached copy. The universe rule is checked by the
    test suite for the shipped data (see the module docstring).
    """
    return Catalogue(_data.data_root(), label="data", check_universe=False)
