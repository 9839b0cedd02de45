"""The intermediate representation: everything the templates need, already decided.

Plain frozen data: names, types, constraints and decisions, never Python source. Kinds are
``Literal`` types, so that mypy flags a kind nobody handles. Nothing here knows about YAML,
OpenAPI or Jinja; the normalizer fills these in, ``generator.emit`` writes them as Python and the
templates lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

SchemaType = Literal["string", "integer", "number", "boolean", "array", "object", "any", "model"]
ParameterLocation = Literal["path", "query"]
ResultKind = Literal["none", "exists", "model", "optional_model", "paged"]
# How a body becomes bytes: "content" by the value's Python type (str as text, bytes as binary,
# anything else as JSON) with a content_type= override; "json" as a JSON value; "model" as a
# model's JSON form.
BodyEncoding = Literal["content", "json", "model"]
# How a model field is read from and written to its JSON form.
FieldCodec = Literal["value", "model", "model_list"]
# The JSON type a "value" field must hold, as the runtime's wire module checks it.
WireKind = Literal["str", "int", "float", "bool", "str_list", "list", "object", "any"]
Severity = Literal["breaking", "warning", "compatible"]
ErrorClass = Literal[
    "ApiError",
    "BadRequestError",
    "AuthenticationError",
    "NotFoundError",
    "ThrottledError",
    "ServiceError",
]
# The runtime check an argument gets before anything is sent: check_<kind>.
CheckKind = Literal["string", "integer", "number", "boolean", "string_array"]
# What an end-client token request may carry, as the runtime's token helpers name it.
TokenField = Literal["user_id", "roles", "groups", "minutes_to_expire", "client_protocol"]

# A value from a spec: what JSON and YAML can hold (arrays as tuples, to stay hashable).
Scalar = Union[None, bool, int, float, str]


@dataclass(frozen=True)
class Schema:
    """A value as the wire carries it: its type and the constraints the spec puts on it."""

    type: SchemaType
    format: str | None = None
    model: str | None = None  # the model's name, when the type is "model"
    items: Schema | None = None  # an array's items
    enum: tuple[Scalar, ...] = ()
    default: SpecValue = None
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


PyKind = Literal[
    "str",
    "int",
    "float",
    "bool",
    "bytes",
    "any",
    "json_object",
    "content",
    "model",
    "literal",
    "list",
    "sequence",
    "optional",
]


@dataclass(frozen=True)
class PyType:
    """A Python type as data: ``generator.emit`` writes it as an annotation.

    ``json_object`` is ``dict[str, Any]``; ``content`` the runtime's message type (str, bytes or a
    JSON value); ``list`` and ``sequence`` hold ``item``; ``optional`` is ``item | None``.
    """

    kind: PyKind
    model: str | None = None  # kind "model"
    item: PyType | None = None  # kinds "list", "sequence" and "optional"
    values: tuple[Scalar, ...] = ()  # kind "literal"

    def optional(self) -> PyType:
        return self if self.kind == "optional" else PyType("optional", item=self)

    def walk(self) -> tuple[PyType, ...]:
        """This type and every type inside it."""
        return (self, *(self.item.walk() if self.item else ()))


@dataclass(frozen=True)
class Parameter:
    """A path or query parameter of an operation."""

    wire_name: str
    python_name: str
    location: ParameterLocation
    required: bool
    type: PyType  # in the method signature; optional ones without a default admit None
    has_default: bool  # the signature gives it a default: the spec's, else None when optional
    default: SpecValue
    description: str
    schema: Schema
    check: CheckKind

    @property
    def refuses_none(self) -> bool:
        """None is refused: the spec requires the value or gives it a default."""
        return self.required or self.schema.default is not None


@dataclass(frozen=True)
class Body:
    """The request body of an operation."""

    python_name: str
    type: PyType
    description: str
    encoding: BodyEncoding
    content_types: tuple[str, ...]
    required: bool
    schema: Schema  # of the JSON content, else of the first content type
    model: str | None = None  # the model, when the encoding is "model"
    # A flattened body's model fields are the method's arguments, and the client builds the
    # model from them; otherwise the method takes the body itself.
    flattened: tuple[Field, ...] = ()

    @property
    def takes_content_type(self) -> bool:
        """The method offers a content_type= override."""
        return self.encoding == "content"

    @property
    def required_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.flattened if f.required)

    @property
    def optional_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.flattened if not f.required)


@dataclass(frozen=True)
class Result:
    """What a method returns on success and how the response becomes that value."""

    kind: ResultKind
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


@dataclass(frozen=True)
class Response:
    status: str
    description: str
    model: str | None
    raises: ErrorClass | None  # the exception an error status becomes; None for successes and False


@dataclass(frozen=True)
class ModelValue:
    """A model instance in a worked example: ``models.<model>(<field>=<value>, ...)``."""

    model: str
    fields: tuple[tuple[str, SampleValue], ...]  # (Python field name, value)


@dataclass(frozen=True)
class MappingValue:
    """A JSON object in a worked example."""

    items: tuple[tuple[str, SampleValue], ...]


# A value a worked example passes or expects; tuples are lists.
SampleValue = Union[Scalar, bytes, tuple["SampleValue", ...], ModelValue, MappingValue]
# What a spec can hold as a default or an enum value: JSON, arrays as tuples.
SpecValue = Union[Scalar, tuple["SpecValue", ...]]


@dataclass(frozen=True)
class Argument:
    """One argument of a worked call: positional when ``keyword`` is None."""

    keyword: str | None
    value: SampleValue


@dataclass(frozen=True)
class Example:
    """A worked call of an operation, for its generated test and its reference docs."""

    arguments: tuple[Argument, ...]
    target: str  # the path and query the request must go to, percent-encoded
    content_type: str | None
    content: bytes | None
    status: int  # the canned successful response
    response: bytes | None
    expected: SampleValue  # the method's result for that response (paged: every item)
    next_page: str | None  # paged: the link the second request must follow
    last_page: bytes | None  # paged: the response to that second request
    error_response: bytes  # a 400 answer and the parsed error the client must expose
    expected_error: ModelValue | None
    contract_error_status: int  # the documented failure asked of the mock server
    usage: tuple[Argument, ...]  # a short, readable call for the reference docs


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
    def page_reader(self) -> str:
        """The name of the generated function that reads one page."""
        return f"read_{self.method_name}_page"


@dataclass(frozen=True)
class Field:
    wire_name: str
    python_name: str
    type: PyType
    required: bool
    description: str
    codec: FieldCodec
    model: str | None  # the nested model of a "model" or "model_list" field
    schema: Schema
    wire_kind: WireKind
    secret: bool  # x-ms-secret: kept out of the model's repr


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
    wire: tuple[str, ...] = ()  # from the runtime's wire module
    records: tuple[str, ...] = ()


@dataclass(frozen=True)
class VersionImports:
    models: ModuleImports
    operations: ModuleImports
    client: ModuleImports
    async_client: ModuleImports


@dataclass(frozen=True)
class ClientToken:
    """The operation that issues end-client tokens, and which of a token request's fields it
    takes: (token field, the method's argument)."""

    method_name: str
    arguments: tuple[tuple[TokenField, str], ...]
    token_field: str  # the answer model's field that holds the token

    @property
    def fields(self) -> tuple[TokenField, ...]:
        return tuple(field for field, _ in self.arguments)


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
    client_token: ClientToken | None  # the operation that issues end-client tokens, if any
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
    severity: Severity  # "warning": may break some callers
    why: str


@dataclass(frozen=True)
class Comparison:
    service: str
    old: str  # API versions
    new: str
    changes: tuple[Change, ...]

    def of(self, severity: Severity) -> tuple[Change, ...]:
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
