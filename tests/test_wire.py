"""Generated models read any JSON a service may send: a model with the documented types, or
WireFormatError (which callers see as UnexpectedResponseError), never another exception."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from realtime_rest._runtime.errors import WireFormatError
from realtime_rest.signalr.v2022_06_01.models import ErrorDetail
from realtime_rest.webpubsub.v2024_12_01.models import GroupMemberPagedValues

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)
KEYS = ["code", "message", "target", "details", "inner", "value", "nextLink", "connectionId"]
objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)


def _holds_documented_types(error: ErrorDetail) -> bool:
    strings = (error.code, error.message, error.target)
    return all(value is None or isinstance(value, str) for value in strings) and all(
        _holds_documented_types(detail) for detail in error.details or []
    )


@given(objects)
def test_an_error_model_reads_any_json_object_or_says_what_is_wrong(data: dict[str, Any]) -> None:
    try:
        error = ErrorDetail.from_wire(data)
    except WireFormatError as problem:
        assert str(problem).split("'")[1] in KEYS  # names the field, never its value
        return
    assert _holds_documented_types(error)
    assert error.inner is None or isinstance(error.inner.code, (str, type(None)))


@given(objects)
def test_a_page_reads_any_json_object_or_says_what_is_wrong(data: dict[str, Any]) -> None:
    try:
        page = GroupMemberPagedValues.from_wire(data)
    except WireFormatError:
        return
    assert all(isinstance(member.connection_id, str) for member in page.value)
    assert page.next_link is None or isinstance(page.next_link, str)
