"""PHP parse_str semantics of bracket parameters (no storage involved)."""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import quote, unquote_plus

from hypothesis import given
from hypothesis import strategies as st

from b24crm.php.query import assign, new_array, parse_qs, php_to_json
from tests.client import flatten


def decoded(query: str) -> object:
    return php_to_json(parse_qs(query))


def test_nested_brackets_build_arrays_and_lists() -> None:
    query = (
        "fields[COMMUNICATIONS][0][VALUE]=%2B7&fields[COMMUNICATIONS][0][TYPE]=PHONE"
        "&select[]=ID&select[]=SUBJECT"
    )
    assert decoded(query) == {
        "fields": {"COMMUNICATIONS": [{"VALUE": "+7", "TYPE": "PHONE"}]},
        "select": ["ID", "SUBJECT"],
    }


def test_percent_encoded_and_raw_brackets_are_the_same() -> None:
    assert decoded("filter%5B%3EID%5D=5&order%5BID%5D=ASC") == decoded("filter[>ID]=5&order[ID]=ASC")
    assert decoded("filter[>ID]=5") == {"filter": {">ID": "5"}}


def test_sparse_numeric_keys_are_kept_like_php() -> None:
    # qs-style parsers compact these to a list; PHP keeps the keys, and a batch echoes them back.
    assert decoded("cmd[5]=server.time&cmd[9]=profile") == {"cmd": {"5": "server.time", "9": "profile"}}
    assert decoded("cmd[0]=a&cmd[1]=b") == {"cmd": ["a", "b"]}
    assert decoded("a[1]=x&a[0]=y") == {"a": {"1": "x", "0": "y"}}


def test_repeated_plain_key_keeps_the_last_value() -> None:
    assert decoded("id=1&id=2") == {"id": "2"}


def test_append_continues_after_the_highest_integer_key() -> None:
    assert decoded("a[3]=x&a[]=y") == {"a": {"3": "x", "4": "y"}}
    assert decoded("a[x]=1&a[]=2") == {"a": {"x": "1", "0": "2"}}


def test_php_name_mangling() -> None:
    assert decoded("a.b=1&c d=2&[x]=3&e[=4") == {"a_b": "1", "c_d": "2", "e_": "4"}
    assert decoded("f[x]junk[y]=5&plus=a+b") == {"f": {"x": "5"}, "plus": "a b"}


def test_a_scalar_is_replaced_by_an_array_when_brackets_follow() -> None:
    assert decoded("a=1&a[b]=2") == {"a": {"b": "2"}}


def test_leading_zero_index_is_a_string_key() -> None:
    assert decoded("a[0]=x&a[01]=y") == {"a": {"0": "x", "01": "y"}}


keys = st.text(alphabet="abcXYZ_>=<%!@ 09", min_size=1, max_size=6).filter(lambda k: not k[0].isdigit())
leaf = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
tree = st.recursive(
    leaf,
    lambda children: (
        st.dictionaries(keys, children, min_size=1, max_size=3) | st.lists(children, min_size=1, max_size=3)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(alphabet="abcdefgh", min_size=1, max_size=5), tree, max_size=4))
def test_encoding_then_decoding_round_trips(params: dict) -> None:  # type: ignore[type-arg]
    """Whatever a PHP-style encoder sends, we decode back to the same structure."""
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in flatten(params))
    assert decoded(query) == php_to_json(params)


_QUERY_PIECES = st.sampled_from(
    ["id", "ID", "a b", "a.b", "a[", "a[b]", "[x]", "", "=", "%5B", "+", "x", "5", "&"]
)


@given(st.lists(_QUERY_PIECES, max_size=12).map("".join))
def test_plain_pairs_decode_as_every_other_pair(query: str) -> None:
    # The fast path for ``name=value`` pairs must agree with the full decoding of each pair.
    expected = new_array()
    for chunk in query.split("&"):
        if chunk:
            name, _, value = chunk.partition("=")
            assign(expected, unquote_plus(name), unquote_plus(value))
    assert parse_qs(query) == expected


def _appends_work(count: int) -> int:
    """Function calls (Python and built-in) made while parsing ``count`` appends: a count, not a time, so a
    loaded machine cannot change it."""
    body = "&".join(["a[]=1"] * count)
    calls = 0

    def profile(_frame: Any, event: str, _arg: Any) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(profile)
    try:
        parsed = parse_qs(body)
    finally:
        sys.setprofile(None)
    assert len(parsed["a"]) == count and parsed["a"][str(count - 1)] == "1"
    return calls


def test_appends_cost_the_same_whatever_the_array_holds() -> None:
    # Rescanning the keys for every ``a[]`` made parsing quadratic: a key test per key held, so 16 times
    # the pairs made about 256 times the calls. Linear parsing makes 16 times the calls.
    small, large = _appends_work(1_000), _appends_work(16_000)
    assert large <= small * 17, (small, large)


def test_integer_keys_are_64_bit_like_php() -> None:
    top = str(2**63 - 1)
    parsed = parse_qs(f"a[{top}]=x&b[{2**63}]=y&b[]=z&c[-5]=v&c[]=w&d[{'9' * 5000}]=long&d[]=next")
    assert parsed["a"] == {top: "x"}
    # Past PHP_INT_MAX the key stays a string, so the next append starts from 0.
    assert parsed["b"] == {str(2**63): "y", "0": "z"}
    assert parsed["c"] == {"-5": "v", "0": "w"}
    assert parsed["d"] == {"9" * 5000: "long", "0": "next"}


def test_append_after_the_largest_integer_key_is_dropped_like_php() -> None:
    top = str(2**63 - 1)
    assert parse_qs(f"a[{top}]=x&a[]=y") == {"a": {top: "x"}}
