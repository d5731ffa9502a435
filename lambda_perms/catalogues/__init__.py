"""What deployments need, as validated data: the deploy catalogue (per-service needs with
purpose and evidence, ARN templates, profiles) and the CloudFormation handler permissions.

* :mod:`~lambda_perms.catalogues.terms`: the vocabulary (phases, callers, commands, handlers)
  and the triggers built from it;
* :mod:`~lambda_perms.catalogues.model`: the data models of the catalogue's files;
* :mod:`~lambda_perms.catalogues.catalogue`: the loader (``catalogue()``, ``Catalogue``);
* :mod:`~lambda_perms.catalogues.cloudformation`: the resource types' handler permissions and
  the curated ``types.toml``;
* ``_schema``: what both share, pydantic's errors turned into ``DataError`` s naming the file
  and the field.

Built from the shipped data files through :mod:`lambda_perms._data`, in the vocabulary of
:mod:`lambda_perms.iam`. (Named in the plural so that the package never shadows the public
:func:`lambda_perms.catalogue` function.)
"""
