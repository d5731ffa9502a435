"""ARNs, ARN templates and resource patterns, against real ARNs from the AWS documentation."""

from __future__ import annotations

import pytest

from lambda_perms.errors import InvalidArnError, MissingPlaceholderError
from lambda_perms.iam._glob import collapse_stars
from lambda_perms.iam.arn import (
    Arn,
    ArnTemplate,
    ResourcePattern,
    fill_placeholders,
    partition_of_region,
)


class TestArn:
    # Real ARNs from the IAM User Guide ("IAM ARNs") and the Service Authorization Reference.
    @pytest.mark.parametrize(
        ("text", "parts"),
        [
            (
                "arn:aws:lambda:us-east-1:123456789012:function:my-fn",
                ("aws", "lambda", "us-east-1", "123456789012", "function:my-fn"),
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:my-fn:prod",
                ("aws", "lambda", "us-east-1", "123456789012", "function:my-fn:prod"),
            ),
            ("arn:aws:s3:::my-bucket/a/b.txt", ("aws", "s3", "", "", "my-bucket/a/b.txt")),
            (
                "arn:aws-cn:iam::123456789012:role/service-role/my-role",
                ("aws-cn", "iam", "", "123456789012", "role/service-role/my-role"),
            ),
            (
                "arn:aws-us-gov:cloudformation:us-gov-west-1:123456789012:stack/app/1a2b",
                ("aws-us-gov", "cloudformation", "us-gov-west-1", "123456789012", "stack/app/1a2b"),
            ),
            (
                "arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31",
                ("aws", "cloudformation", "us-east-1", "aws", "transform/Serverless-2016-10-31"),
            ),
            (
                "arn:aws:apigateway:us-east-1::/restapis/a1b2c3",
                ("aws", "apigateway", "us-east-1", "", "/restapis/a1b2c3"),
            ),
            # other partitions are accepted
            ("arn:aws-iso:s3:::b", ("aws-iso", "s3", "", "", "b")),
        ],
    )
    def test_parse(self, text: str, parts: tuple[str, ...]) -> None:
        arn = Arn.parse(text)
        assert (arn.partition, arn.service, arn.region, arn.account, arn.resource) == parts
        assert str(arn) == text

    @pytest.mark.parametrize(
        "text",
        ["", "arn:aws:s3", "arn:aws:s3::", "urn:aws:s3:::b", "arn::s3:::b", "arn:aws::::b",
         "arn:aws:s3:::"],
    )  # fmt: skip
    def test_invalid(self, text: str) -> None:
        with pytest.raises(InvalidArnError):
            Arn.parse(text)

    @pytest.mark.parametrize(
        ("region", "partition"),
        [("us-east-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"),
         ("ap-northeast-1", "aws"), ("us-iso-east-1", "aws-iso"), ("us-isob-east-1", "aws-iso-b"),
         ("eusc-de-east-1", "aws-eusc")],
    )  # fmt: skip
    def test_partition_of_region(self, region: str, partition: str) -> None:
        assert partition_of_region(region) == partition


class TestArnTemplate:
    def test_placeholders_in_order_without_policy_variables(self) -> None:
        template = ArnTemplate(
            "arn:${Partition}:s3:::${BucketName}/${aws:username}/${Key}/${BucketName}"
        )
        assert template.placeholders == ("Partition", "BucketName", "Key")

    def test_render(self) -> None:
        template = ArnTemplate(
            "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}"
        )
        assert (
            template.render(
                {"Partition": "aws", "Region": "ap-northeast-1", "Account": "123456789012"},
                FunctionName="f",
            )
            == "arn:aws:lambda:ap-northeast-1:123456789012:function:f"
        )

    def test_unknown_value_becomes_wildcard_in_that_segment_only(self) -> None:
        template = ArnTemplate(
            "arn:${Partition}:cloudformation:${Region}:${Account}:stack/${StackName}/*"
        )
        assert (
            template.render({"Partition": "aws", "StackName": "app"}, default="*")
            == "arn:aws:cloudformation:*:*:stack/app/*"
        )
        assert template.as_pattern() == "arn:*:cloudformation:*:*:stack/*/*"

    def test_missing_value_is_a_clear_error(self) -> None:
        template = ArnTemplate("arn:${Partition}:iam::${Account}:role/${RoleName}")
        with pytest.raises(MissingPlaceholderError, match=r"\$\{Account\}") as info:
            template.render(Partition="aws")
        assert info.value.placeholder == "Account"
        assert isinstance(info.value, KeyError)
        assert "arn:${Partition}:iam::${Account}:role/${RoleName}" in str(info.value)

    def test_policy_variables_stay_literal(self) -> None:
        template = ArnTemplate("arn:${Partition}:s3:::b/${aws:username}/*")
        assert template.render(Partition="aws") == "arn:aws:s3:::b/${aws:username}/*"

    @pytest.mark.parametrize("text", ["", "s3:::b", "ar:${Partition}"])
    def test_invalid(self, text: str) -> None:
        with pytest.raises(InvalidArnError):
            ArnTemplate(text)

    def test_equality(self) -> None:
        assert ArnTemplate("arn:${Partition}:s3:::b") == ArnTemplate("arn:${Partition}:s3:::b")
        assert len({ArnTemplate("arn:a:s3:::b"), ArnTemplate("arn:a:s3:::b")}) == 1


class TestFillPlaceholders:
    # The texts the library fills: ARN formats (Service Authorization Reference, CloudFormation
    # resource types) and CloudFormation Fn::Sub strings, with its pseudo parameters and ${!...}.
    @pytest.mark.parametrize(
        ("text", "values", "expected"),
        [
            (
                "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}",
                {"Partition": "aws", "Region": "us-east-1", "Account": "123456789012"},
                "arn:aws:lambda:us-east-1:123456789012:function:${FunctionName}",
            ),
            (
                "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${AWS::StackName}-q",
                {"AWS::Partition": "aws", "AWS::StackName": "app"},
                "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:app-q",
            ),
            (
                "arn:aws:s3:::b/${aws:username}/*",
                {"Partition": "aws"},
                "arn:aws:s3:::b/${aws:username}/*",
            ),
            ("arn:aws:s3:::b/${!Literal}", {"!Literal": "x"}, "arn:aws:s3:::b/x"),
            ("arn:aws:s3:::b/${}", {"": "e"}, "arn:aws:s3:::b/e"),
            ("arn:aws:s3:::b/${open", {"open": "x"}, "arn:aws:s3:::b/${open"),
        ],
    )
    def test_fills_what_it_is_given(self, text: str, values: dict[str, str], expected: str) -> None:
        assert fill_placeholders(text, values.get) == expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("arn:aws:s3:::b/**", "arn:aws:s3:::b/*"),
            ("arn:aws:iam::*:role/*/**x***:*", "arn:aws:iam::*:role/*/*x*:*"),
            ("arn:aws:s3:::b/?*?", "arn:aws:s3:::b/?*?"),
        ],
    )
    def test_collapse_stars(self, text: str, expected: str) -> None:
        assert collapse_stars(text) == expected
        probes = [
            "arn:aws:iam::1:role/a/bxc:d",
            "arn:aws:s3:::b/",
            "arn:aws:s3:::b/a:b",
            "arn:aws:s3:::b/xy",
        ]
        for probe in probes:  # the same pattern: it matches the same resources
            assert ResourcePattern(text).matches(probe) == ResourcePattern(expected).matches(probe)


class TestResourcePattern:
    # Expected values from the IAM User Guide, "IAM JSON policy elements: Resource",
    # section "Using wildcards in resource ARNs".
    @pytest.mark.parametrize(
        ("pattern", "resource", "expected"),
        [
            ("*", "arn:aws:s3:::anything/at/all", True),
            ("*", "*", True),
            # "all IAM users whose path is /accounting"
            ("arn:aws:iam::123456789012:user/accounting/*", "arn:aws:iam::123456789012:user/accounting/bob", True),
            ("arn:aws:iam::123456789012:user/accounting/*", "arn:aws:iam::123456789012:user/bob", False),
            # "all items within a specific Amazon S3 bucket"; '*' crosses '/'
            ("arn:aws:s3:::amzn-s3-demo-bucket/*", "arn:aws:s3:::amzn-s3-demo-bucket/a/b/c", True),
            ("arn:aws:s3:::amzn-s3-demo-bucket/*", "arn:aws:s3:::amzn-s3-demo-bucket", False),
            # case-sensitive: "the IAM user name is case sensitive"
            ("arn:aws:iam::123456789012:user/Bob", "arn:aws:iam::123456789012:user/bob", False),
            ("arn:aws:iam::123456789012:user/Bob", "arn:aws:iam::123456789012:user/Bob", True),
            # '?' is one character and never a colon
            ("arn:aws:s3:::bucket-?", "arn:aws:s3:::bucket-1", True),
            ("arn:aws:s3:::bucket-?", "arn:aws:s3:::bucket-10", False),
            ("arn:aws:lambda:us-east-1:123456789012:function:f?x", "arn:aws:lambda:us-east-1:123456789012:function:f:x", False),
            # "If the * wildcard is the last character of a resource ARN segment, it can expand
            # to match beyond the colon boundaries."
            ("arn:aws:lambda:*:123456789012:function:f", "arn:aws:lambda:us-east-1:123456789012:function:f", True),
            ("arn:aws:lambda:us-east-1:123456789012:function:my*", "arn:aws:lambda:us-east-1:123456789012:function:my-fn:prod", True),
            # a '*' inside a segment does not cross a colon
            ("arn:aws:lambda:us-east-1:123456789012:function:my*fn", "arn:aws:lambda:us-east-1:123456789012:function:my-fn", True),
            ("arn:aws:lambda:us-east-1:123456789012:function:my*fn", "arn:aws:lambda:us-east-1:123456789012:function:my:fn", False),
            # a plain function ARN does not match its qualified versions (Lambda's own docs)
            ("arn:aws:lambda:us-east-1:123456789012:function:f", "arn:aws:lambda:us-east-1:123456789012:function:f:1", False),
            # nothing else is special
            ("arn:aws:s3:::b/[ab]", "arn:aws:s3:::b/a", False),
            ("arn:aws:s3:::b/[ab]", "arn:aws:s3:::b/[ab]", True),
        ],
    )  # fmt: skip
    def test_matches(self, pattern: str, resource: str, expected: bool) -> None:
        assert ResourcePattern.parse(pattern).matches(resource) is expected

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("bucket", "ARN format"),
            ("arn:aws:s3", "ARN format"),
            ("arn:aws:s*:::b", "service segment"),
            ("arn:aws::::b", "empty service"),
            ("arn:aws:s3:::b\u0101", r"U\+0101"),
            (["*"], "expected a string"),
        ],
    )
    def test_invalid(self, text: str, message: str) -> None:
        with pytest.raises(InvalidArnError, match=message):
            ResourcePattern.parse(text)

    def test_equality_is_case_sensitive(self) -> None:
        assert ResourcePattern("arn:aws:s3:::B") != ResourcePattern("arn:aws:s3:::b")
        assert ResourcePattern("arn:aws:s3:::b") == ResourcePattern("arn:aws:s3:::b")
        assert ResourcePattern("*").__eq__("*") is NotImplemented

    def test_variables(self) -> None:
        assert ResourcePattern("arn:aws:s3:::b/${aws:username}/*").has_variables
        assert not ResourcePattern("arn:aws:s3:::b/*").has_variables
