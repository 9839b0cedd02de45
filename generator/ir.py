"""The intermediate representation: everything the templates need, already decided.

Plain frozen dataclasses. Nothing here knows about YAML, OpenAPI or Jinja; the normalizer fills
them in and the templates only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Schema:
    """A value as the wire carries it: its type and the constraints the spec puts on it."""

    type: str  # "string", "integer", "number", "boolean", "array", "object", "any" or "model"
    format: str | None = None
    model: str | None = None  # the model's name, when the type is "model"
    items: Schema | None = None  # an array's items
    enum: tuple[Any, ...] = ()
    default: Any = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_items: int | None = None
    max_items: int | None = None

    @property
    def type_text(self) -> str:
        """``string``, ``integer (int32)``, ``array of string``, or the model's name."""
        if self.type == "model":
            return str(self.model)
        if self.type == "array":
            return f"array of {self.items.type_text if self.items else 'any'}"
        return f"{self.type} ({self.format})" if self.format else self.type

    @property
    def constraints_text(self) -> str:
        """The constraints in words, for the reference docs: ``length 1..1024; pattern `^a$```."""
        parts = []
        if self.enum:
            parts.append("one of " + ", ".join(f"`{value}`" for value in self.enum))
        if self.pattern is not None:
            parts.append(f"pattern `{self.pattern}`")
        for label, low, high in (
            ("length", self.min_length, self.max_length),
            ("range", self.minimum, self.maximum),
            ("items", self.min_items, self.max_items),
        ):
            if low is not None or high is not None:
                parts.append(
                    f"{label} {'' if low is None else low}..{'' if high is None else high}"
                )
        if self.items and self.items.constraints_text:
            parts.append(f"each item: {self.items.constraints_text}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Parameter:
    """A path or query parameter of an operation."""

    wire_name: str
    python_name: str
    location: str  # "path" or "query"
    required: bool
    annotation: str  # the Python type in the method signature
    default: str  # a Python literal; "None" when optional without a default
    description: str
    check: str | None  # the validation call made before sending, if the spec constrains it
    schema: Schema


@dataclass(frozen=True)
class Body:
    """The request body of an operation."""

    python_name: str
    annotation: str
    description: str
    encoder: str  # the runtime call that turns the value into bytes and a content type
    content_types: tuple[str, ...]
    takes_content_type: bool  # the method offers a content_type= override
    required: bool
    schema: Schema  # of the JSON content, else of the first content type
    # A flattened body's model fields are the method's arguments, and `argument` builds the model
    # from them; otherwise the method takes the body itself and `argument` is its name.
    flattened: tuple[Field, ...] = ()
    argument: str = ""

    @property
    def required_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.flattened if f.required)

    @property
    def optional_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.flattened if not f.required)


@dataclass(frozen=True)
class Result:
    """What a method returns on success and how the response becomes that value."""

    kind: str  # "none", "exists", "model", "optional_model" or "paged"
    annotation: str  # the return type of the synchronous method
    async_annotation: str  # the return type of the asynchronous method
    model: str | None  # the model class of a model result, or of a page's items
    description: str  # what the value is, for the docstring and the docs; "" for None


@dataclass(frozen=True)
class Paging:
    page_model: str
    item_model: str
    items_key: str  # wire names of the page's fields
    next_link_key: str
    items_field: str  # Python names of the page model's fields
    next_link_field: str
    reader: str  # the name of the generated function that reads one page


@dataclass(frozen=True)
class Response:
    status: str
    description: str
    model: str | None
    raises: str | None  # the exception an error status becomes; None for successes and False


@dataclass(frozen=True)
class Example:
    """A worked call of an operation, for its generated test."""

    arguments: tuple[str, ...]  # Python source of each argument, keywords included
    target: str  # the path and query the request must go to, percent-encoded
    content_type: str | None
    content: bytes | None
    status: int  # the canned successful response
    response: bytes | None
    result_check: str  # Python source comparing the result: "is None", "== models.X(...)"
    next_page: str | None  # paged: the link the second request must follow
    last_page: bytes | None  # paged: the response to that second request
    error_response: bytes  # a 400 answer and the parsed error the client must expose
    expected_error: str
    contract_error_status: int  # the documented failure asked of the mock server


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method_name: str
    http_method: str
    path: str
    summary: str
    description: str
    hub: Parameter | None  # bound from the client, not a method argument
    api_version: Parameter | None  # sent automatically
    parameters: tuple[Parameter, ...]  # method arguments: path ones first, then query ones
    body: Body | None
    result: Result
    paging: Paging | None
    responses: tuple[Response, ...]
    example: Example | None = None  # filled in last, from the rest of the operation
    usage: str = ""  # a short call for the reference docs, filled in with the example

    @property
    def route(self) -> str:
        return f"{self.http_method} {self.path}"

    @property
    def path_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "path")

    @property
    def query_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "query")

    @property
    def keyword_only(self) -> bool:
        """Whether the method has keyword-only arguments after its positional ones."""
        body = self.body
        return bool(
            self.query_parameters or (body and (body.takes_content_type or body.optional_fields))
        )

    @property
    def path_values(self) -> tuple[str, ...]:
        """The entries of the mapping that fills the path template, as Python source."""
        hub = ('"hub": hub',) if self.hub and self.hub.location == "path" else ()
        return hub + tuple(f"{p.wire_name!r}: {p.python_name}" for p in self.path_parameters)


@dataclass(frozen=True)
class Field:
    wire_name: str
    python_name: str
    annotation: str
    required: bool
    description: str
    decode: str  # expression reading the field from the wire mapping `data`
    encode: str  # expression turning `self.<field>` into its wire value
    schema: Schema


@dataclass(frozen=True)
class Model:
    name: str
    description: str
    fields: tuple[Field, ...]

    @property
    def required_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)

    @property
    def optional_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.required)


@dataclass(frozen=True)
class ModuleImports:
    """What one generated module imports, each tuple sorted."""

    abc: tuple[str, ...] = ()  # from collections.abc
    typing: tuple[str, ...] = ()
    request: tuple[str, ...] = ()  # from the runtime's request module
    responses: tuple[str, ...] = ()  # from the runtime's responses module
    models: tuple[str, ...] = ()  # from the version's models module


@dataclass(frozen=True)
class VersionImports:
    models: ModuleImports
    operations: ModuleImports
    client: ModuleImports
    async_client: ModuleImports


@dataclass(frozen=True)
class AuthScheme:
    name: str  # as in components.securitySchemes
    kind: str  # "http bearer (JWT)", "oauth2 client credentials, scope https://..."


@dataclass(frozen=True)
class Version:
    service: str  # "webpubsub"
    version: str  # the API version, as in info.version
    module: str  # the Python module name: "v2024_12_01"
    spec_path: str  # relative to the project, for messages and headers
    title: str
    description: str
    default_endpoint: str
    entra_scope: str
    hub_pattern: str | None
    api_version: str | None  # sent as api-version by every operation that declares it
    error_model: str | None  # the model error responses are parsed into
    client_token_method: str | None  # the operation that issues end-client tokens, if any
    auth: tuple[AuthScheme, ...]  # the ways a server may authenticate, any one of them
    operations: tuple[Operation, ...]
    models: tuple[Model, ...]
    imports: VersionImports


@dataclass(frozen=True)
class VersionedOperation:
    """One operationId across the versions of a service."""

    operation_id: str
    method_name: str
    routes: tuple[str | None, ...]  # "METHOD /path" in each version of the service; None if absent


@dataclass(frozen=True)
class Change:
    """One difference between two versions of an API, and what it means for existing callers."""

    operation: str | None  # the operationId; None for what concerns the whole version
    place: str  # "parameter hub", "response 200", "model PayloadMessage: property target", ...
    what: str
    severity: str  # "breaking", "warning" (may break some callers) or "compatible"
    why: str


@dataclass(frozen=True)
class Comparison:
    service: str
    old: str  # API versions
    new: str
    changes: tuple[Change, ...]

    def of(self, severity: str) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.severity == severity)


@dataclass(frozen=True)
class Service:
    name: str  # "webpubsub"
    display_name: str  # "Azure Web PubSub"
    client_name: str  # "WebPubSubClient"
    audience_includes_query: bool  # an access-key token's audience is the URL with its query
    client_mixin: str  # the runtime class giving the sync client its end-client token method
    async_client_mixin: str
    versions: tuple[Version, ...]  # oldest first
    operations: tuple[VersionedOperation, ...]
    changelog: tuple[Comparison, ...]  # between consecutive versions, newest first

    @property
    def newest(self) -> Version:
        return self.versions[-1]
