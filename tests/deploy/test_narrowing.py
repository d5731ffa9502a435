"""Handler grants narrowed by the template's own names (issue 14: "default mode grants broadly
where a name is unknown"): input template -> the resources of the narrowed statement, and the
warning that names the resource where a grant must stay broad."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambda_perms.cli import main

SCOPE = ["--account", "123456789012", "--region", "eu-west-1", "--stack", "app"]
ANY_ROLE = "arn:aws:iam::123456789012:role/*"


def _api(**properties: Any) -> dict[str, Any]:
    return {"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": properties}}}


def _with(logical_id: str, kind: str, **properties: Any) -> dict[str, Any]:
    """A REST API with one more resource of ``kind`` (on the API where it takes one)."""
    template = _api(Body=BODY)
    template["Resources"][logical_id] = {"Type": kind, "Properties": properties}
    return template


API = {"Ref": "Api"}
ROLE = {
    "Type": "AWS::IAM::Role",
    "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}},
}


def _method(**integration: Any) -> dict[str, Any]:
    """A method of an API made elsewhere, and a role of the template."""
    method = {
        "Type": "AWS::ApiGateway::Method",
        "Properties": {
            "RestApiId": "a1b2c3",
            "ResourceId": "r",
            "HttpMethod": "GET",
            "AuthorizationType": "NONE",
            "Integration": {"Type": "AWS", **integration},
        },
    }
    return {"Resources": {"Get": method, "Backend": ROLE}}


V1 = "arn:aws:apigateway:eu-west-1::"


def _run(
    template: dict[str, Any], tmp_path: Any, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[dict[str, set[str]], str]:
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    code = main(["policy", *SCOPE, *extra, "--template", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    granted: dict[str, set[str]] = {}
    for statement in json.loads(out)["Statement"]:
        actions = statement["Action"]
        resources = statement["Resource"]
        for action in [actions] if isinstance(actions, str) else actions:
            found = granted.setdefault(action, set())
            found.update([resources] if isinstance(resources, str) else resources)
    return granted, err


BODY = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}
ROLE_BODY = {
    **BODY,
    "paths": {
        "/x": {
            "get": {
                "x-amazon-apigateway-integration": {
                    "type": "aws",
                    "credentials": "arn:aws:iam::123456789012:role/api-sqs",
                }
            }
        }
    },
}

# template, extra flags, action -> resources it is granted on (among others: the artifacts
# bucket's own grants), and a warning's words ("": narrowed, no broad pattern, no warning)
CASES: list[tuple[str, dict[str, Any], list[str], str, set[str], str]] = [
    ("inline body: the deploy bucket's objects", _api(Body=BODY), ["--bucket", "art"],
     "s3:GetObject", {"arn:aws:s3:::art/*"}, ""),
    ("BodyS3Location names the object", _api(BodyS3Location={"Bucket": "defs", "Key": "api.yaml"}),
     ["--bucket", "art"], "s3:GetObject", {"arn:aws:s3:::defs/api.yaml"}, ""),
    ("a parameter bucket stays broad, warned", _api(BodyS3Location={"Bucket": {"Ref": "B"}, "Key": "k"}),
     [], "s3:GetObject", {"arn:aws:s3:::*/*", "arn:aws:s3:eu-west-1:123456789012:accesspoint/*/object/*"},
     "S3 object reads of Api are granted on any object"),
    ("API Gateway verbs on the REST API paths", _api(Body=BODY), [], "apigateway:PATCH",
     {"arn:aws:apigateway:eu-west-1::/restapis", "arn:aws:apigateway:eu-west-1::/restapis/*",
      "arn:aws:apigateway:eu-west-1::/tags/*"}, ""),
    ("credentials in the definition: that role", _api(Body=ROLE_BODY), [], "iam:PassRole",
     {"arn:aws:iam::123456789012:role/api-sqs"}, ""),
    ("no credentials: any role, said", _api(Body=BODY), [], "iam:PassRole", {ANY_ROLE},
     "for Api: they name no role where their handlers pass one"),
    ("a definition read from S3 may pass any role, warned",
     _api(BodyS3Location={"Bucket": "defs", "Key": "api.yaml"}), [], "iam:PassRole", {ANY_ROLE},
     "the handlers of Api may pass a role the template does not name"),
    # the other API Gateway types: each type's verbs on its own paths
    ("an authorizer: under its API", _with("Auth", "AWS::ApiGateway::Authorizer", RestApiId=API,
     Name="a", Type="TOKEN"), [], "apigateway:POST", {f"{V1}/restapis/*"}, ""),
    ("an API key: /apikeys", _with("Key", "AWS::ApiGateway::ApiKey", Enabled=True), [],
     "apigateway:POST", {f"{V1}/apikeys", f"{V1}/apikeys/*"}, ""),
    ("a usage plan: /usageplans", _with("Plan", "AWS::ApiGateway::UsagePlan"), [],
     "apigateway:POST", {f"{V1}/usageplans", f"{V1}/usageplans/*"}, ""),
    ("a domain name: /domainnames", _with("Domain", "AWS::ApiGateway::DomainName",
     DomainName="api.example.com"), [], "apigateway:POST",
     {f"{V1}/domainnames", f"{V1}/domainnames/*"}, ""),
    ("an HTTP API route: under its API", {"Resources": {
        "Http": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "h", "ProtocolType": "HTTP"}},
        "Route": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Http"},
                  "RouteKey": "GET /"}}}}, [], "apigateway:POST",
     {f"{V1}/apis", f"{V1}/apis/*"}, ""),
    ("a method's integration credentials: that role", _method(Credentials={"Fn::GetAtt": ["Backend", "Arn"]}),
     [], "iam:PassRole", {"arn:aws:iam::123456789012:role/app-Backend-*"}, ""),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_narrowed(
    case: tuple[str, dict[str, Any], list[str], str, set[str], str],
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, template, extra, action, expected, warning = case
    granted, err = _run(template, tmp_path, capsys, *extra)
    assert expected <= granted[action]
    if warning:
        assert warning in err
    else:  # narrowed: nothing broad, and no warning that it stays broad
        assert (
            not {"arn:aws:s3:::*/*", "arn:aws:apigateway:eu-west-1:*:*", ANY_ROLE} & granted[action]
        )
        assert "granted on any object" not in err
        assert "act on many resource types" not in err


def test_tight_drops_pass_role_when_the_definition_names_no_credentials(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    granted, _ = _run(_api(Body=BODY), tmp_path, capsys, "--tight")
    assert "iam:PassRole" not in granted


def test_tight_drops_pass_role_of_a_method_without_credentials(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    granted, _ = _run(_method(), tmp_path, capsys)
    assert ANY_ROLE in granted["iam:PassRole"]  # the default keeps every handler permission
    granted, _ = _run(_method(), tmp_path, capsys, "--tight")
    assert "iam:PassRole" not in granted  # no Credentials, no role passed (the type's rule)
