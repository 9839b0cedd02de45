"""The emitter: any text a spec holds becomes a Python literal, docstring or name that reads back
exactly and runs nothing."""

from __future__ import annotations

import ast
import keyword

from hypothesis import example, given
from hypothesis import strategies as st

from generator import emit, ir

# What a YAML or JSON document can hold: any code point but lone surrogates.
spec_text = st.text(st.characters(exclude_categories=("Cs",)))
HOSTILE = [
    '"""; import os; os.system("true"); """',
    "'; __import__('os'); '",
    "\\",
    'ends with a quote"',
    "{{ 7 * 7 }} {% if x %}",
    "nul\x00 and \r carriage \u2028 separator \u202e bidi",
    "é ü 中文 \U0001f600",
    "\\x00 \\n literally",
]


@given(spec_text)
@example("it's")
@example("both ' and \"")
def test_literal_reads_back_as_the_same_string(text: str) -> None:
    source = emit.literal(text)

    assert ast.literal_eval(source) == text
    assert isinstance(ast.parse(source, mode="eval").body, ast.Constant)


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | spec_text,
        st.tuples,
    )
)
def test_literal_reads_back_any_spec_value(value: ir.SpecValue) -> None:
    assert ast.literal_eval(emit.literal(value)) == value


def test_non_finite_numbers_are_written_as_floats() -> None:
    assert eval(emit.literal(float("inf"))) == float("inf")  # noqa: S307 - our own output


@given(spec_text)
def test_docstring_reads_back_as_the_same_text(text: str) -> None:
    for hostile in [text, *HOSTILE]:
        module = ast.parse(f'def f():\n    """{emit.docstring(hostile)}"""\n')
        function = module.body[0]
        assert isinstance(function, ast.FunctionDef)
        assert ast.get_docstring(function, clean=False) == hostile
        assert len(function.body) == 1  # nothing but the docstring


@given(spec_text, spec_text)
def test_inner_docstring_text_cannot_close_the_docstring(text: str, rest: str) -> None:
    source = f'"""{emit.docstring(text, inner=True)} then {emit.docstring(rest)}"""'

    assert ast.literal_eval(source) == f"{text} then {rest}"


@given(spec_text)
def test_a_comment_stays_one_comment(text: str) -> None:
    module = ast.parse(f"# {emit.comment(text)}\nx = 1\n")

    assert [type(node) for node in module.body] == [ast.Assign]


@given(spec_text)
@example("class")
@example("print")
@example("2024-12-01")
@example("")
def test_names_are_safe_identifiers(text: str) -> None:
    for name in (
        emit.python_name(text),
        emit.class_name(text or "x"),
        emit.module_name(text or "1"),
    ):
        assert name.isascii() and name.isidentifier()
        assert not keyword.iskeyword(name)
        assert name not in emit.RESERVED


def test_clashing_names_are_numbered() -> None:
    assert emit.python_name("user-id", {"user_id"}) == "user_id_2"
    assert emit.python_name("filter") == "filter_"


def test_annotations_are_written_from_types() -> None:
    literal = ir.PyType("literal", values=("it's", 'a"b'))
    groups = ir.PyType("sequence", item=ir.PyType("str")).optional()

    assert emit.annotation(literal) == "Literal[\"it's\", 'a\"b']"
    assert emit.annotation(groups) == "Sequence[str] | None"
    assert emit.annotation(ir.PyType("list", item=ir.PyType("model", model="Item"))) == "list[Item]"


def test_example_values_are_written_as_calls() -> None:
    value = ir.ModelValue(
        "Item", (("name", 'x"y'), ("tags", ("a",)), ("extra", ir.MappingValue((("k", 1),))))
    )

    assert emit.expression(value) == 'models.Item(name=\'x"y\', tags=["a"], extra={"k": 1})'
    assert emit.arguments([ir.Argument(None, 1), ir.Argument("flag", True)]) == "1, flag=True"
