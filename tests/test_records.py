"""Records behave as frozen dataclasses do: checked against dataclasses themselves."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtime_rest._runtime.records import field, record, replace


@record
class Message:
    """A record with every kind of field."""

    text: str
    self: int = 0  # a field may be called self
    tags: list[str] = field(default_factory=list)
    token: str | None = field(default=None, repr=False)


@dataclasses.dataclass(frozen=True)
class ReferenceMessage:
    text: str
    self: int = 0
    tags: list[str] = dataclasses.field(default_factory=list)
    token: str | None = dataclasses.field(default=None, repr=False)


values = st.tuples(
    st.text(max_size=10),
    st.integers(),
    st.lists(st.text(max_size=3), max_size=3),
    st.none() | st.text(max_size=5),
)


@given(values, values)
def test_a_record_compares_shows_and_hashes_as_a_frozen_dataclass(first: Any, second: Any) -> None:
    ours = Message(*first), Message(*second)
    theirs = ReferenceMessage(*first), ReferenceMessage(*second)
    assert (ours[0] == ours[1]) == (theirs[0] == theirs[1])
    assert repr(ours[0]).replace("Message", "ReferenceMessage", 1) == repr(theirs[0])
    text, number, _, token = first
    hashable: Any = ()  # a tuple where the list was: a frozen dataclass then hashes too
    assert hash(Message(text, number, hashable, token)) == hash(
        ReferenceMessage(text, number, hashable, token)
    )
    assert ours[0] != theirs[0]  # type: ignore[comparison-overlap]  # another class never equals


def test_defaults_keywords_and_factories() -> None:
    message = Message("hi", tags=["a"])
    assert (message.text, message.self, message.tags, message.token) == ("hi", 0, ["a"], None)
    assert Message("a").tags is not Message("b").tags  # a new list each time
    assert Message.self == 0  # the class attribute shows the default
    assert Message.__match_args__ == ("text", "self", "tags", "token")
    with pytest.raises(TypeError):
        Message()  # type: ignore[call-arg]


def test_a_field_kept_out_of_the_repr_is_still_compared() -> None:
    assert "s3cret" not in repr(Message("hi", token="s3cret"))
    assert Message("hi", token="a") != Message("hi", token="b")


def test_records_are_immutable() -> None:
    message = Message("hi")
    with pytest.raises(AttributeError, match="Message is immutable: cannot set text"):
        message.text = "changed"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del message.text
    with pytest.raises(AttributeError, match="immutable"):
        message.other = 1  # type: ignore[attr-defined]
    assert message.text == "hi"


def test_replace_copies_with_changes_and_refuses_unknown_fields() -> None:
    message = Message("hi", 2, ["a"], "t")
    assert replace(message, text="bye") == Message("bye", 2, ["a"], "t")
    assert message.text == "hi"
    with pytest.raises(TypeError, match="has no field colour"):
        replace(message, colour="red")


def test_class_bodies_records_cannot_take() -> None:
    with pytest.raises(TypeError, match="a field without a default follows one with"):

        @record
        class Misordered:
            first: int = 0
            second: int  # type: ignore[misc]

    with pytest.raises(TypeError, match="derives from no other class"):

        @record
        class Derived(Exception):
            first: int

    with pytest.raises(ValueError, match="not both"):
        field(default=1, default_factory=list)


def test_a_repr_or_eq_of_the_class_own_is_kept() -> None:
    @record
    class Secret:
        value: str

        def __repr__(self) -> str:
            return "Secret(<hidden>)"

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Secret)

        def __hash__(self) -> int:
            return 0

    assert repr(Secret("x")) == "Secret(<hidden>)"
    assert Secret("x") == Secret("y")
    assert hash(Secret("x")) == 0


def test_records_copy_and_pickle_whole() -> None:
    message = Message("hi", 3, ["a"], "t")
    assert pickle.loads(pickle.dumps(message)) == message
    assert copy.copy(message) == message
    assert copy.deepcopy(message).tags is not message.tags
