"""Map a recorded AWS API call to the IAM requests it makes: (action, resource ARN, context).

:func:`to_requests` answers, for one :class:`~tests.integration.sam_harness.Call`, which IAM
action(s) AWS authorises and on which resource ARN, with the request context keys that the call's
parameters determine. An operation without a mapping raises :class:`UnmappedCallError`, so a
test over a SAM CLI trace cannot pass by skipping a call it does not understand.

Sources (each mapping below names its own):

* the IAM Service Authorization Reference, as snapshotted in ``lambda_perms.universe()``
  (action names, resource types, ARN formats and condition keys); the tests check every mapped
  request against it;
* the S3 API Reference "Permissions" sections: ``HeadObject`` needs ``s3:GetObject``,
  ``ListObjectsV2`` needs ``s3:ListBucket``, the multipart operations need ``s3:PutObject``
  (``AbortMultipartUpload`` its own action), ``DeleteObjects`` needs ``s3:DeleteObject`` per key
  (``s3:DeleteObjectVersion`` with a ``VersionId``);
* the CloudFormation User Guide ("Controlling access with IAM"): a change set for a template
  with ``Transform: AWS::Serverless-2016-10-31`` is also authorised as ``CreateChangeSet`` on
  ``arn:${Partition}:cloudformation:${Region}:aws:transform/Serverless-2016-10-31`` (``aws`` in
  place of the account id);
* the STS API Reference: ``GetCallerIdentity`` needs no permission, even under an explicit Deny.

Stack resources: CloudFormation authorises a stack operation on the stack ARN
``arn:${Partition}:cloudformation:${Region}:${Account}:stack/${StackName}/${Id}``. The id is
taken, in this order, from a stack-id ARN passed as ``StackName``, from a ``StackId`` for that
name in the call's response, or from :attr:`Call.stack_id` (the stack of that name that existed
when the call was made, which the harness reads from moto). A name with no stack behind it (a
``DescribeStacks`` probe before a create, a ``CreateChangeSet`` that failed) maps to
``.../stack/NAME/*``, which every policy that scopes by stack name (``stack/NAME/*``) matches.

Out of scope (not API calls the SAM CLI makes): permissions CloudFormation checks on the
caller while it creates the template's resources (``iam:PassRole`` for a function's role,
``lambda:CreateFunction`` ..., the managed bucket's ``s3:CreateBucket`` ...), and the registry
actions of a Docker push.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.integration.sam_harness import Call

__all__ = [
    "MAPPED_OPERATIONS",
    "TRANSFORMS",
    "Request",
    "UnmappedCallError",
    "assert_policy_allows",
    "denied",
    "to_requests",
]

ContextValue = str | list[str]


@dataclass(frozen=True)
class Request:
    """One IAM authorisation: ``action`` on ``resource`` with condition ``context``."""

    action: str
    resource: str
    context: dict[str, ContextValue] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.action} on {self.resource}"


class UnmappedCallError(LookupError):
    """A recorded call that this module cannot map to IAM requests."""


#: Transforms a template may declare, and the transform name in the ARN CloudFormation
#: authorises ``CreateChangeSet`` on. Any other transform (a macro) raises.
TRANSFORMS: Mapping[str, str] = {"AWS::Serverless-2016-10-31": "Serverless-2016-10-31"}


@dataclass(frozen=True)
class _Scope:
    call: Call
    account: str
    region: str
    partition: str

    @property
    def params(self) -> Mapping[str, Any]:
        return self.call.params

    def param(self, name: str) -> str:
        value = self.params.get(name)
        if not isinstance(value, str) or not value:
            raise UnmappedCallError(f"{self.call.name}: no {name} in {dict(self.params)!r}")
        return value

    def base_context(self) -> dict[str, ContextValue]:
        # boto3 always calls over HTTPS, in the client's region.
        return {"aws:SecureTransport": "true", "aws:RequestedRegion": self.region}

    def request(
        self, action: str, resource: str, extra: Mapping[str, ContextValue] | None = None
    ) -> Request:
        context = self.base_context()
        context.update(extra or {})
        return Request(action, resource, context)


# -- S3 -------------------------------------------------------------------------------------


def _bucket_arn(scope: _Scope) -> str:
    return f"arn:{scope.partition}:s3:::{scope.param('Bucket')}"


def _object_arn(scope: _Scope, key: str | None = None) -> str:
    return f"{_bucket_arn(scope)}/{scope.param('Key') if key is None else key}"


def _sse_context(scope: _Scope) -> dict[str, ContextValue]:
    context: dict[str, ContextValue] = {}
    if isinstance(sse := scope.params.get("ServerSideEncryption"), str):
        context["s3:x-amz-server-side-encryption"] = sse
    if isinstance(key := scope.params.get("SSEKMSKeyId"), str):
        context["s3:x-amz-server-side-encryption-aws-kms-key-id"] = key
    if isinstance(acl := scope.params.get("ACL"), str):
        context["s3:x-amz-acl"] = acl
    return context


def _s3_read_object(scope: _Scope) -> list[Request]:
    # HeadObject and GetObject: s3:GetObject; s3:GetObjectVersion when a VersionId is given.
    action = "s3:GetObjectVersion" if scope.params.get("VersionId") else "s3:GetObject"
    return [scope.request(action, _object_arn(scope))]


def _s3_write_object(scope: _Scope) -> list[Request]:
    # PutObject and the multipart upload operations all authorise as s3:PutObject. Setting an
    # ACL or tags in the same request also needs s3:PutObjectAcl / s3:PutObjectTagging.
    context = _sse_context(scope)
    requests = [scope.request("s3:PutObject", _object_arn(scope), context)]
    if scope.params.get("ACL") or any(k.startswith("Grant") for k in scope.params):
        requests.append(scope.request("s3:PutObjectAcl", _object_arn(scope), context))
    if scope.params.get("Tagging"):
        requests.append(scope.request("s3:PutObjectTagging", _object_arn(scope), context))
    return requests


def _s3_delete_object(scope: _Scope) -> list[Request]:
    action = "s3:DeleteObjectVersion" if scope.params.get("VersionId") else "s3:DeleteObject"
    return [scope.request(action, _object_arn(scope))]


def _s3_delete_objects(scope: _Scope) -> list[Request]:
    delete = scope.params.get("Delete")
    objects = delete.get("Objects") if isinstance(delete, Mapping) else None
    if not isinstance(objects, Sequence) or not objects:
        raise UnmappedCallError(f"{scope.call.name}: no Delete.Objects")
    requests = []
    for item in objects:
        action = "s3:DeleteObjectVersion" if item.get("VersionId") else "s3:DeleteObject"
        requests.append(scope.request(action, _object_arn(scope, str(item["Key"]))))
    return requests


def _s3_list_objects(scope: _Scope) -> list[Request]:
    context: dict[str, ContextValue] = {}
    for param, key in (("Prefix", "s3:prefix"), ("Delimiter", "s3:delimiter")):
        if isinstance(value := scope.params.get(param), str):
            context[key] = value
    if isinstance(max_keys := scope.params.get("MaxKeys"), int):
        context["s3:max-keys"] = str(max_keys)
    return [scope.request("s3:ListBucket", _bucket_arn(scope), context)]


def _s3_object_action(action: str) -> Callable[[_Scope], list[Request]]:
    def mapper(scope: _Scope) -> list[Request]:
        return [scope.request(action, _object_arn(scope))]

    return mapper


def _s3_bucket_action(action: str) -> Callable[[_Scope], list[Request]]:
    def mapper(scope: _Scope) -> list[Request]:
        return [scope.request(action, _bucket_arn(scope))]

    return mapper


def _s3_get_object_tagging(scope: _Scope) -> list[Request]:
    versioned = scope.params.get("VersionId")
    action = "s3:GetObjectVersionTagging" if versioned else "s3:GetObjectTagging"
    return [scope.request(action, _object_arn(scope))]


# -- CloudFormation -------------------------------------------------------------------------


def _stack_arn(scope: _Scope, ref: str) -> str:
    """The stack ARN for ``ref`` (a stack name or stack-id ARN): see the module docstring."""
    if ref.startswith("arn:") and ":stack/" in ref:
        return ref
    response = scope.call.response or {}
    candidates: list[Any] = [response]
    for listing in ("Stacks", "StackEvents", "StackResources"):
        entries = response.get(listing)
        if isinstance(entries, list):
            candidates.extend(entries)
    for entry in candidates:
        stack_id = entry.get("StackId") if isinstance(entry, Mapping) else None
        if isinstance(stack_id, str) and stack_id.split(":stack/")[-1].split("/")[0] == ref:
            return stack_id
    if scope.call.stack_id and ref == scope.params.get("StackName"):
        return scope.call.stack_id
    return f"arn:{scope.partition}:cloudformation:{scope.region}:{scope.account}:stack/{ref}/*"


def _change_set_name(ref: str) -> str:
    # A change-set ARN is arn:...:changeSet/NAME/UUID; the condition key holds NAME.
    if ref.startswith("arn:") and ":changeSet/" in ref:
        return ref.split(":changeSet/")[1].split("/", maxsplit=1)[0]
    return ref


def _tag_context(scope: _Scope) -> dict[str, ContextValue]:
    tags = scope.params.get("Tags")
    if not isinstance(tags, list) or not tags:
        return {}
    context: dict[str, ContextValue] = {"aws:TagKeys": [str(tag["Key"]) for tag in tags]}
    for tag in tags:
        context[f"aws:RequestTag/{tag['Key']}"] = str(tag["Value"])
    return context


def _template_context(scope: _Scope) -> dict[str, ContextValue]:
    context = _tag_context(scope)
    for param, key in (
        ("TemplateURL", "cloudformation:TemplateUrl"),
        ("RoleARN", "cloudformation:RoleArn"),
        ("StackPolicyURL", "cloudformation:StackPolicyUrl"),
    ):
        if isinstance(value := scope.params.get(param), str):
            context[key] = value
    if isinstance(types := scope.params.get("ResourceTypes"), list):
        context["cloudformation:ResourceTypes"] = [str(t) for t in types]
    return context


def _transform_requests(scope: _Scope, context: Mapping[str, ContextValue]) -> list[Request]:
    """``CreateChangeSet`` on each transform the submitted template declares."""
    requests = []
    for transform in scope.call.transforms:
        name = TRANSFORMS.get(transform)
        if name is None:
            raise UnmappedCallError(f"{scope.call.name}: unknown template transform {transform!r}")
        arn = f"arn:{scope.partition}:cloudformation:{scope.region}:aws:transform/{name}"
        requests.append(scope.request("cloudformation:CreateChangeSet", arn, context))
    return requests


def _cfn_create_change_set(scope: _Scope) -> list[Request]:
    context = _template_context(scope)
    context["cloudformation:ChangeSetName"] = scope.param("ChangeSetName")
    stack = _stack_arn(scope, scope.param("StackName"))
    return [
        scope.request("cloudformation:CreateChangeSet", stack, context),
        *_transform_requests(scope, context),
    ]


def _cfn_change_set_action(action: str) -> Callable[[_Scope], list[Request]]:
    # DescribeChangeSet / ExecuteChangeSet / DeleteChangeSet: authorised on the stack.
    def mapper(scope: _Scope) -> list[Request]:
        context: dict[str, ContextValue] = {
            "cloudformation:ChangeSetName": _change_set_name(scope.param("ChangeSetName"))
        }
        return [scope.request(action, _stack_arn(scope, scope.param("StackName")), context)]

    return mapper


def _cfn_stack_template_action(action: str) -> Callable[[_Scope], list[Request]]:
    # CreateStack / UpdateStack. A template with the Serverless transform is expanded through
    # a change set, so the transform request is added here too (conservatively: the
    # CloudFormation guide documents it for CreateChangeSet).
    def mapper(scope: _Scope) -> list[Request]:
        context = _template_context(scope)
        stack = _stack_arn(scope, scope.param("StackName"))
        return [scope.request(action, stack, context), *_transform_requests(scope, context)]

    return mapper


def _cfn_stack_action(
    action: str, *, optional: bool = False, role_context: bool = False
) -> Callable[[_Scope], list[Request]]:
    # Operations on one stack (StackName). With ``optional``, a call without StackName is
    # authorised on "*" (DescribeStacks lists every stack; GetTemplateSummary of a template).
    def mapper(scope: _Scope) -> list[Request]:
        if optional and not scope.params.get("StackName"):
            return [scope.request(action, "*")]
        context: dict[str, ContextValue] = {}
        if role_context and isinstance(role := scope.params.get("RoleARN"), str):
            context["cloudformation:RoleArn"] = role
        return [scope.request(action, _stack_arn(scope, scope.param("StackName")), context)]

    return mapper


def _any_resource(action: str) -> Callable[[_Scope], list[Request]]:
    def mapper(scope: _Scope) -> list[Request]:
        return [scope.request(action, "*")]

    return mapper


# -- ECR, STS, serverless repo ----------------------------------------------------------------


def _ecr_repository_action(action: str) -> Callable[[_Scope], list[Request]]:
    def mapper(scope: _Scope) -> list[Request]:
        registry = scope.params.get("registryId") or scope.account
        name = scope.param("repositoryName")
        arn = f"arn:{scope.partition}:ecr:{scope.region}:{registry}:repository/{name}"
        return [scope.request(action, arn)]

    return mapper


def _no_permission(scope: _Scope) -> list[Request]:
    return []


def _serverlessrepo_template(scope: _Scope) -> list[Request]:
    return [
        scope.request("serverlessrepo:CreateCloudFormationTemplate", scope.param("ApplicationId"))
    ]


_MAPPERS: dict[tuple[str, str], Callable[[_Scope], list[Request]]] = {
    # S3 (API Reference "Permissions"; Service Authorization Reference for the ARNs)
    ("s3", "HeadObject"): _s3_read_object,
    ("s3", "GetObject"): _s3_read_object,
    ("s3", "PutObject"): _s3_write_object,
    ("s3", "CreateMultipartUpload"): _s3_write_object,
    ("s3", "UploadPart"): _s3_write_object,
    ("s3", "CompleteMultipartUpload"): _s3_write_object,
    ("s3", "AbortMultipartUpload"): _s3_object_action("s3:AbortMultipartUpload"),
    ("s3", "ListParts"): _s3_object_action("s3:ListMultipartUploadParts"),
    ("s3", "DeleteObject"): _s3_delete_object,
    ("s3", "DeleteObjects"): _s3_delete_objects,
    ("s3", "ListObjectsV2"): _s3_list_objects,
    ("s3", "ListObjects"): _s3_list_objects,
    ("s3", "ListObjectVersions"): _s3_bucket_action("s3:ListBucketVersions"),
    ("s3", "GetObjectTagging"): _s3_get_object_tagging,
    ("s3", "GetBucketVersioning"): _s3_bucket_action("s3:GetBucketVersioning"),
    ("s3", "GetBucketPolicy"): _s3_bucket_action("s3:GetBucketPolicy"),
    ("s3", "HeadBucket"): _s3_bucket_action("s3:ListBucket"),
    # CloudFormation
    ("cloudformation", "DescribeStacks"): _cfn_stack_action(
        "cloudformation:DescribeStacks", optional=True
    ),
    ("cloudformation", "GetTemplateSummary"): _cfn_stack_action(
        "cloudformation:GetTemplateSummary", optional=True
    ),
    ("cloudformation", "CreateChangeSet"): _cfn_create_change_set,
    ("cloudformation", "DescribeChangeSet"): _cfn_change_set_action(
        "cloudformation:DescribeChangeSet"
    ),
    ("cloudformation", "ExecuteChangeSet"): _cfn_change_set_action(
        "cloudformation:ExecuteChangeSet"
    ),
    ("cloudformation", "DeleteChangeSet"): _cfn_change_set_action("cloudformation:DeleteChangeSet"),
    ("cloudformation", "ListChangeSets"): _cfn_stack_action("cloudformation:ListChangeSets"),
    ("cloudformation", "DescribeStackEvents"): _cfn_stack_action(
        "cloudformation:DescribeStackEvents"
    ),
    ("cloudformation", "DescribeStackResource"): _cfn_stack_action(
        "cloudformation:DescribeStackResource"
    ),
    ("cloudformation", "ListStackResources"): _cfn_stack_action(
        "cloudformation:ListStackResources"
    ),
    ("cloudformation", "GetTemplate"): _cfn_stack_action("cloudformation:GetTemplate"),
    ("cloudformation", "DeleteStack"): _cfn_stack_action(
        "cloudformation:DeleteStack", role_context=True
    ),
    ("cloudformation", "RollbackStack"): _cfn_stack_action(
        "cloudformation:RollbackStack", role_context=True
    ),
    ("cloudformation", "UpdateTerminationProtection"): _cfn_stack_action(
        "cloudformation:UpdateTerminationProtection"
    ),
    ("cloudformation", "CreateStack"): _cfn_stack_template_action("cloudformation:CreateStack"),
    ("cloudformation", "UpdateStack"): _cfn_stack_template_action("cloudformation:UpdateStack"),
    ("cloudformation", "ListImports"): _any_resource("cloudformation:ListImports"),
    # ECR (push actions are the Docker daemon's, not recorded)
    ("ecr", "GetAuthorizationToken"): _any_resource("ecr:GetAuthorizationToken"),
    ("ecr", "DeleteRepository"): _ecr_repository_action("ecr:DeleteRepository"),
    ("ecr", "BatchDeleteImage"): _ecr_repository_action("ecr:BatchDeleteImage"),
    # STS: GetCallerIdentity needs no permission (STS API Reference)
    ("sts", "GetCallerIdentity"): _no_permission,
    # AWS Serverless Application Repository (SAR applications in a template)
    ("serverlessrepo", "CreateCloudFormationTemplate"): _serverlessrepo_template,
}

#: Every ``service.Operation`` that :func:`to_requests` maps.
MAPPED_OPERATIONS: frozenset[str] = frozenset(f"{s}.{o}" for s, o in _MAPPERS)


def to_requests(call: Call, *, account: str, region: str, partition: str = "aws") -> list[Request]:
    """The IAM requests ``call`` makes, in the order AWS would check them.

    ``region`` is used when the call does not carry one. An empty list means the call needs no
    permission (``sts:GetCallerIdentity``).

    :raises UnmappedCallError: when the operation, or a transform its template declares, has
        no mapping, or a parameter the mapping needs is missing.
    """
    mapper = _MAPPERS.get((call.service, call.operation))
    if mapper is None:
        raise UnmappedCallError(
            f"no IAM mapping for {call.name} (params {sorted(call.params)}): add one to "
            "tests/integration/iam_mapping.py with its source"
        )
    return mapper(_Scope(call, account, call.region or region, partition))


def denied(policy_document: object, requests: Sequence[Request]) -> list[Request]:
    """The requests that the identity policy ``policy_document`` does not allow, in order."""
    from lambda_perms import Policy

    policy = Policy.from_dict(policy_document)
    return [r for r in requests if not policy.allows(r.action, r.resource, r.context)]


def assert_policy_allows(policy_document: object, requests: Sequence[Request]) -> None:
    """Fail, naming every (action, resource) the policy does not allow."""
    missing = denied(policy_document, requests)
    if missing:
        unique = list(dict.fromkeys(str(r) for r in missing))
        raise AssertionError(
            f"the policy does not allow {len(unique)} of the SAM CLI's requests:\n  "
            + "\n  ".join(unique)
        )
