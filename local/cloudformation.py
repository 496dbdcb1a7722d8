"""Read ``infra/resources.yaml`` and resolve it for one stage, region and account.

The same template that is merged into ``chalice package`` is read here, its parameters
(``Stage``, ``NamePrefix``, ...) and pseudo parameters substituted, and the intrinsic
functions it uses resolved (``Ref``, ``Fn::Sub``, ``Fn::GetAtt``, ``Fn::If``, ``Fn::Join``,
``Fn::Equals``, ``Fn::Not`` and conditions). Nothing here calls AWS: ``local/bootstrap.py``
creates the resources this resolves, and the unit tests check the template through it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "infra" / "resources.yaml"
ACCOUNT_ID = "123456789012"  # moto's default account

TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"
BUCKET = "AWS::S3::Bucket"
USER_POOL = "AWS::Cognito::UserPool"
USER_POOL_CLIENT = "AWS::Cognito::UserPoolClient"
USER_POOL_GROUP = "AWS::Cognito::UserPoolGroup"

_NAME_PROPERTY = {TABLE: "TableName", QUEUE: "QueueName", BUCKET: "BucketName"}


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        template: dict[str, Any] = yaml.safe_load(f)
    return template


class UnresolvableError(ValueError):
    """An intrinsic function or reference the local resolver cannot evaluate."""


class Resolver:
    """Evaluates the template's intrinsic functions for one stage and region."""

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, str],
        region: str,
        account_id: str = ACCOUNT_ID,
    ) -> None:
        self.template = template
        self.region = region
        self.account_id = account_id
        self.values: dict[str, Any] = {
            name: spec["Default"]
            for name, spec in template.get("Parameters", {}).items()
            if "Default" in spec
        }
        self.values.update(parameters)
        self.values.update(
            {
                "AWS::AccountId": account_id,
                "AWS::Region": region,
                "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com",
                "AWS::StackName": f"{self.values.get('NamePrefix', 'helpdesk')}-local",
                "AWS::NoValue": None,
            }
        )
        # Ref values of created resources (queue URLs, pool and client ids).
        self.refs: dict[str, str] = {}

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = self._functions().get(key)
            if handler is not None:
                return handler(arg)
        return {k: self.resolve(v) for k, v in value.items()}

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self.ref,
            "Fn::Sub": self._sub,
            "Fn::GetAtt": self._get_att,
            "Fn::If": self._if,
            "Fn::Join": self._join,
            "Fn::Equals": self._equals,
            "Fn::Not": lambda arg: not self.resolve(arg[0]),
        }

    def ref(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        if name in self.refs:
            return self.refs[name]
        resource = self.template.get("Resources", {}).get(name)
        if resource is not None and resource["Type"] in (TABLE, BUCKET):
            return self.physical_name(name)
        raise UnresolvableError(f"cannot resolve Ref {name!r} locally")

    def physical_name(self, logical_id: str) -> str:
        resource = self.template["Resources"][logical_id]
        prop = _NAME_PROPERTY[resource["Type"]]
        return str(self.resolve(resource["Properties"][prop]))

    def arn(self, logical_id: str) -> str:
        resource = self.template.get("Resources", {}).get(logical_id)
        kind = resource["Type"] if resource else None
        if kind == TABLE:
            name = self.physical_name(logical_id)
            return f"arn:aws:dynamodb:{self.region}:{self.account_id}:table/{name}"
        if kind == QUEUE:
            name = self.physical_name(logical_id)
            return f"arn:aws:sqs:{self.region}:{self.account_id}:{name}"
        if kind == BUCKET:
            return f"arn:aws:s3:::{self.physical_name(logical_id)}"
        if kind == USER_POOL and logical_id in self.refs:
            pool = self.refs[logical_id]
            return f"arn:aws:cognito-idp:{self.region}:{self.account_id}:userpool/{pool}"
        raise UnresolvableError(f"cannot resolve the Arn of {logical_id!r} locally")

    def _get_att(self, arg: str | list[str]) -> str:
        logical_id, attribute = arg.split(".", 1) if isinstance(arg, str) else arg
        if attribute == "Arn":
            return self.arn(logical_id)
        raise UnresolvableError(f"cannot resolve Fn::GetAtt {logical_id}.{attribute} locally")

    def _sub(self, arg: str | list[Any]) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        local = {k: self.resolve(v) for k, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local:
                return str(local[name])
            if "." in name:
                return str(self._get_att(name))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def _if(self, arg: list[Any]) -> Any:
        condition, when_true, when_false = arg
        chosen = when_true if self.condition(condition) else when_false
        return self.resolve(chosen)

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def _equals(self, arg: list[Any]) -> bool:
        left, right = (self.resolve(v) for v in arg)
        return bool(left == right)

    def _join(self, arg: list[Any]) -> str:
        separator, items = arg
        return str(separator).join(str(v) for v in self.resolve(items))


def resources_of(template: Mapping[str, Any], *types: str) -> Iterator[tuple[str, dict]]:
    """(logical id, resource) of every resource of the given types, in template order."""
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") in types:
            yield logical_id, resource


def resource_names(stage: str) -> dict[str, str]:
    """Logical id -> physical name of every table, queue and bucket for ``stage``."""
    template = load_template()
    resolver = Resolver(template, {"Stage": stage}, region="eu-west-1")
    return {
        logical_id: resolver.physical_name(logical_id)
        for logical_id, _ in resources_of(template, TABLE, QUEUE, BUCKET)
    }
