"""``lambda_perms.render.formats``: JSON, CloudFormation (cfn-lint clean) and Terraform (HCL round trip)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lambda_perms.errors import UsageError
from lambda_perms.iam.policy import Policy
from lambda_perms.render.formats import FORMATS, part_names, policy_schema, render

_SMALL = Policy.from_dict(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Home",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": "arn:aws:s3:::bucket/home/${aws:username}/*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            },
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "arn:aws:iam::123456789012:role/app-*",
                "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
            },
        ],
    }
)


def _big() -> Policy:
    """A policy over the managed-policy quota, so that it splits into parts."""
    statements = [
        {
            "Sid": f"Bucket{i}",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::bucket-number-{i}", f"arn:aws:s3:::bucket-number-{i}/*"],
        }
        for i in range(200)
    ]
    return Policy.from_dict({"Version": "2012-10-17", "Statement": statements})


def _parts() -> tuple[Policy, ...]:
    parts = _big().split("managed")
    assert len(parts) > 1
    return parts


def test_part_names() -> None:
    assert part_names(1) == ("deploy-policy",)
    assert part_names(2, "x") == ("x-part-1", "x-part-2")


def test_json_one_policy_is_the_document() -> None:
    text = render(_SMALL, "json")
    assert json.loads(text) == _SMALL.to_dict()
    assert Policy.from_json(text) == _SMALL


def test_json_several_parts_is_an_object_by_name() -> None:
    parts = _parts()
    document = json.loads(render(parts, "json"))
    assert list(document) == list(part_names(len(parts)))
    assert [Policy.from_dict(d) for d in document.values()] == list(parts)


def test_a_mapping_keeps_its_names() -> None:
    document = json.loads(render({"caller": _SMALL, "service-role": _SMALL}, "json"))
    assert list(document) == ["caller", "service-role"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_rendering_is_deterministic(fmt: str) -> None:
    parts = _parts()
    assert render(parts, fmt) == render(tuple(parts), fmt)
    assert render(parts, fmt).endswith("\n")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: render(_SMALL, "yaml"), "unknown format 'yaml'"),
        (lambda: render([], "json"), "no policy"),
        (lambda: render({"bad name": _SMALL}, "json"), "invalid policy name"),
    ],
)
def test_bad_arguments(call: Any, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        call()


# -- CloudFormation ------------------------------------------------------------------------------


def _resources(template: dict[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = template["Resources"]
    return resources


def test_cloudformation_json_has_one_managed_policy_per_part() -> None:
    parts = _parts()
    template = json.loads(render(parts, "cloudformation-json"))
    resources = _resources(template)
    assert list(resources) == [f"DeployPolicyPart{i}" for i in range(1, len(parts) + 1)]
    for resource, part in zip(resources.values(), parts, strict=True):
        assert resource["Type"] == "AWS::IAM::ManagedPolicy"
        assert Policy.from_dict(resource["Properties"]["PolicyDocument"]) == part
    assert template["Outputs"]["DeployPolicyPart1Arn"]["Value"] == {"Ref": "DeployPolicyPart1"}


def test_cloudformation_yaml_means_the_same_as_the_json() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML (pulled in by cfn-lint) reads the YAML")
    cases: list[tuple[Policy, ...]] = [(_SMALL,), _parts()]
    for policies in cases:
        text = render(policies, "cloudformation")
        assert yaml.safe_load(text) == json.loads(render(policies, "cloudformation-json"))


def _cfn_lint() -> Path:
    found = Path(sys.executable).parent / "cfn-lint"
    if not found.is_file():
        pytest.skip("cfn-lint is not installed (it comes with the test extra, via aws-sam-cli)")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["cloudformation", "cloudformation-json"])
def test_cloudformation_passes_cfn_lint(fmt: str, tmp_path: Path) -> None:
    cfn_lint = _cfn_lint()
    files = []
    cases: list[tuple[Policy, ...]] = [(_SMALL,), _parts()]
    for index, policies in enumerate(cases):
        path = tmp_path / f"template{index}.{'yaml' if fmt == 'cloudformation' else 'json'}"
        path.write_text(render(policies, fmt), encoding="utf-8")
        files.append(str(path))
    result = subprocess.run(
        [str(cfn_lint), "--format", "parseable", *files],
        check=False,
        capture_output=True,
        text=True,
    )
    # cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational
    assert result.returncode & 2 == 0, result.stdout + result.stderr
    assert ":E" not in result.stdout, result.stdout


# -- Terraform -----------------------------------------------------------------------------------


def _hcl_documents(text: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """label -> (name, policy document) of each aws_iam_policy, read back with python-hcl2."""
    hcl2 = pytest.importorskip("hcl2", reason="python-hcl2 (test extra) parses the Terraform")
    parsed = hcl2.loads(text)
    out = {}
    for block in parsed["resource"]:
        ((kind, resources),) = block.items()
        assert kind.strip('"') == "aws_iam_policy"
        for label, body in resources.items():
            raw = body["policy"].strip('"')
            assert raw.startswith("<<EOT\n"), raw[:20]
            assert raw.endswith("\nEOT"), raw[-20:]
            heredoc = raw.removeprefix("<<EOT\n").removesuffix("\nEOT")
            # HCL interpolation escapes: $${ and %%{ stand for the literal ${ and %{
            literal = heredoc.replace("$${", "${").replace("%%{", "%{")
            out[label.strip('"')] = (json.loads(body["name"]), json.loads(literal))
    return out


def test_terraform_round_trips_through_an_hcl_parser() -> None:
    documents = _hcl_documents(render(_SMALL, "terraform"))
    assert list(documents) == ["deploy_policy"]
    name, document = documents["deploy_policy"]
    assert name == "deploy-policy"
    assert Policy.from_dict(document) == _SMALL
    assert "${aws:username}" in document["Statement"][0]["Resource"]


def test_terraform_has_one_resource_per_part() -> None:
    parts = _parts()
    text = render(parts, "terraform")
    assert "$${aws:username}" not in text  # nothing to escape here
    documents = _hcl_documents(text)
    assert list(documents) == [f"deploy_policy_part_{i}" for i in range(1, len(parts) + 1)]
    for (name, document), part, expected in zip(
        documents.values(), parts, part_names(len(parts)), strict=True
    ):
        assert name == expected
        assert Policy.from_dict(document) == part


def test_terraform_escapes_interpolation() -> None:
    text = render(_SMALL, "terraform")
    assert "home/$${aws:username}/*" in text


# -- the policy schema ---------------------------------------------------------------------------


def test_the_policy_schema_is_deterministic_json() -> None:
    schema = policy_schema()
    assert json.dumps(schema, sort_keys=False) == json.dumps(policy_schema(), sort_keys=False)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["Statement"]


def test_the_policy_schema_accepts_policies_and_rejects_bad_shapes() -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema checks the schema itself")
    validator = jsonschema.Draft202012Validator(policy_schema())
    jsonschema.Draft202012Validator.check_schema(policy_schema())
    assert list(validator.iter_errors(_SMALL.to_dict())) == []
    assert list(validator.iter_errors(_big().to_dict())) == []
    bad = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resources": "*"}]}
    assert list(validator.iter_errors(bad))
    both = {"Statement": {"Effect": "Allow", "Action": "a:b", "NotAction": "a:c"}}
    assert list(validator.iter_errors(both))
