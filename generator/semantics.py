"""Part of normalizing: what the services mean by what the specs say.

The hub bound at construction, the api-version sent automatically, what each method returns
(existence checks, models, pages), which exception an error status becomes, and which operation
issues end-client tokens with which arguments. Each rule reads the spec; the conventions it relies
on are in specs/CONVENTIONS.md.
"""

from __future__ import annotations

import re
from typing import Any

from generator import ir
from generator.document import Document, Place

HUB = "hub"
API_VERSION = "api-version"
# Parameters bound at construction rather than passed on every call (Microsoft's extension).
CLIENT_LOCATION = "x-ms-parameter-location"
CLIENT_TOKEN_OPERATION = "GenerateClientToken"
# The wire names of GenerateClientToken's inputs, by the field of a token request they carry.
_TOKEN_INPUTS: dict[str, ir.TokenField] = {
    "userId": "user_id",
    "role": "roles",
    "group": "groups",
    "minutesToExpire": "minutes_to_expire",
    "clientType": "client_protocol",
}
# The service's names of the client protocols, as the runtime's token request spells them.
CLIENT_TYPES = ("Default", "MQTT", "SocketIO")


def is_bound_at_construction(document: Document, place: Place, parameter: dict[str, Any]) -> bool:
    """The hub: the one client-level parameter the clients know (the api-version, which
    descriptions often mark so too, is sent by every client anyway)."""
    if parameter.get(CLIENT_LOCATION) != "client" or parameter.get("name") == API_VERSION:
        return False
    if parameter.get("name") != HUB:
        raise document.fail(
            place + (CLIENT_LOCATION,),
            f"only the hub is bound at construction, not {parameter.get('name')!r}",
        )
    return True


# The exception each error status becomes, as the runtime's error_class maps them.
_ERRORS: dict[str, ir.ErrorClass] = {
    "400": "BadRequestError",
    "401": "AuthenticationError",
    "403": "AuthenticationError",
    "404": "NotFoundError",
    "429": "ThrottledError",
}


def raises(status: str) -> ir.ErrorClass | None:
    if status.startswith(("1", "2", "3")):
        return None
    return _ERRORS.get(status, "ServiceError" if status.startswith("5") else "ApiError")


def acts(method: str, operation: dict[str, Any]) -> bool:
    """Whether an operation changes something, as opposed to fetching."""
    return method in ("put", "delete", "patch") or (method == "post" and "requestBody" in operation)


def _is_existence_check(method: str, path: str, statuses: set[str]) -> bool:
    """A bodiless GET or HEAD that documents 404, or any HEAD on a named resource (some documents
    leave out the 404 that the service answers for a missing connection)."""
    names_resource = any(variable != HUB for variable in re.findall(r"{([^}]+)}", path))
    return (method in ("get", "head") and "404" in statuses) or (
        method == "head" and names_resource
    )


def result(
    method: str,
    path: str,
    operation_acts: bool,
    responses: tuple[ir.Response, ...],
    paging: ir.Paging | None,
) -> ir.Result:
    """What a method returns. Fetches (GET, or POST without a body) must answer their model;
    actions (PUT, DELETE, POST with a body) may answer it or nothing."""
    statuses = {r.status for r in responses}
    model = next((r.model for r in responses if r.status.startswith("2") and r.model), None)
    if paging is not None:
        item = paging.item_model
        return ir.Result(
            "paged", item, f"every {item}, fetching further pages as iteration reaches them."
        )
    if model is None and _is_existence_check(method, path, statuses):
        return ir.Result("exists", None, "True if it exists, False if the service answers 404.")
    if model is None:
        return ir.Result("none", None, "")
    if operation_acts:
        # The services answer actions with an empty body as often as with the documented one.
        return ir.Result(
            "optional_model",
            model,
            f"the service's {model}, or None when it answers without a body.",
        )
    return ir.Result("model", model, f"the service's {model}.")


def paging(
    document: Document,
    place: Place,
    operation: dict[str, Any],
    responses: tuple[ir.Response, ...],
    models: dict[str, ir.Model],
) -> ir.Paging | None:
    pageable = operation.get("x-ms-pageable")
    if pageable is None:
        return None
    place = place + ("x-ms-pageable",)
    page_model = next((r.model for r in responses if r.status.startswith("2") and r.model), None)
    if page_model is None:
        raise document.fail(place, "a paged operation needs a page model")
    fields = {f.wire_name: f for f in models[page_model].fields}
    items_name, next_link_name = pageable.get("itemName", "value"), pageable.get("nextLinkName")
    items = fields.get(items_name)
    if items is None or next_link_name not in fields:
        raise document.fail(
            place, f"{page_model} needs the fields {items_name!r} and {next_link_name!r}"
        )
    if items.codec != "model_list" or items.model is None:
        raise document.fail(place, "page items must be a $ref to a model")
    return ir.Paging(
        page_model=page_model,
        item_model=items.model,
        items_key=items_name,
        next_link_key=next_link_name,
        items_field=items.python_name,
        next_link_field=fields[next_link_name].python_name,
    )


def error_model(document: Document, operations: tuple[ir.Operation, ...]) -> str | None:
    """The one model error responses use; a spec with two cannot be served by one client."""
    models = {
        r.model
        for op in operations
        for r in op.responses
        if not r.status.startswith("2") and r.model
    }
    if len(models) > 1:
        raise document.fail(("paths",), f"error responses use different models: {sorted(models)}")
    return models.pop() if models else None


def client_token(
    document: Document, operations: tuple[ir.Operation, ...], models: dict[str, ir.Model]
) -> ir.ClientToken | None:
    """GenerateClientToken, where the version has it, and which token fields it can carry.

    A protocol enum other than the service's three would not type-check against the runtime's
    token request, so such a version issues tokens for the default protocol only."""
    operation = next((op for op in operations if op.operation_id == CLIENT_TOKEN_OPERATION), None)
    if operation is None:
        return None
    answer = models.get(operation.result.model or "")
    token = next((f for f in answer.fields if f.wire_name == "token"), None) if answer else None
    if token is None or token.wire_kind != "str":
        raise document.fail(
            ("paths", operation.path, operation.http_method.lower(), "responses"),
            f"{CLIENT_TOKEN_OPERATION} must answer a model with a string 'token' field",
        )
    arguments = []
    for parameter in operation.query_parameters:
        field = _TOKEN_INPUTS.get(parameter.wire_name)
        if field == "client_protocol" and parameter.schema.enum != CLIENT_TYPES:
            continue
        if field is not None:
            arguments.append((field, parameter.python_name))
    return ir.ClientToken(operation.method_name, tuple(sorted(arguments)), token.python_name)
