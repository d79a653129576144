"""The mark sync takes a plain batch as it is only when its schema would load it to exactly the same thing."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from competition.api.marks import MARK_BATCH, plain_mark_batch

odd = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**20), st.floats(allow_nan=False),
                st.text(max_size=110), st.sampled_from(["12", "7.5", "", "abc"]), st.lists(st.integers(), max_size=2),
                st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
plain_mark = st.fixed_dictionaries(
    {"client_id": st.text(min_size=8, max_size=64), "entry_id": st.integers(0, 10**9),
     "aspect_id": st.integers(0, 10**9), "value": st.one_of(st.integers(0, 100), st.text(max_size=6))},
    optional={"client_time": st.text(max_size=40)})
plain_batch = st.fixed_dictionaries({"marks": st.lists(plain_mark, min_size=1, max_size=3)},
                                    optional={"device": st.text(max_size=100)})
MARK_KEYS = ["client_id", "entry_id", "aspect_id", "value", "client_time", "extra"]


@st.composite
def one_change(draw):
    """A plain batch with at most one thing changed: a field of one mark, the device, an extra key or the list."""
    data = draw(plain_batch)
    change = draw(st.sampled_from(["none", "mark", "mark", "mark", "drop", "device", "extra", "marks"]))
    if change == "mark":
        i = draw(st.integers(0, len(data["marks"]) - 1))
        data["marks"][i] = {**data["marks"][i], draw(st.sampled_from(MARK_KEYS)): draw(odd)}
    elif change == "drop":
        i = draw(st.integers(0, len(data["marks"]) - 1))
        data["marks"][i].pop(draw(st.sampled_from(MARK_KEYS[:4])))
    elif change == "device":
        data["device"] = draw(odd)
    elif change == "extra":
        data[draw(st.text(max_size=8))] = draw(odd)
    elif change == "marks":
        data["marks"] = draw(odd)
    return data


def _typed(value):
    """``value`` with the type of every leaf: True and 1 are equal in Python, not here."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


@settings(max_examples=500, deadline=None)
@given(one_change())
def test_a_plain_batch_is_what_the_schema_loads(data):
    plain = plain_mark_batch(data)
    if plain is not None:
        assert _typed(MARK_BATCH.load(data)) == _typed(plain)


@settings(max_examples=100, deadline=None)
@given(plain_batch)
def test_what_tablets_send_is_taken_as_it_is(data):
    assert plain_mark_batch(data) is data


GOOD = {"client_id": "tablet-0001", "entry_id": 1, "aspect_id": 2, "value": "5"}


def test_at_the_limits_the_fast_path_and_the_schema_agree():
    inside = [{"marks": [{**GOOD, "client_id": "x" * 8}]}, {"marks": [{**GOOD, "client_id": "x" * 64}]},
              {"marks": [{**GOOD, "client_time": "x" * 40}]}, {"marks": [GOOD], "device": "x" * 100},
              {"marks": [{**GOOD, "client_id": f"tablet-{i:05d}"} for i in range(5000)]},
              {"marks": [{**GOOD, "value": 0}]}, {"marks": [{**GOOD, "value": ""}]}]
    outside = [{"marks": [{**GOOD, "client_id": "x" * 7}]}, {"marks": [{**GOOD, "client_id": "x" * 65}]},
               {"marks": [{**GOOD, "client_time": "x" * 41}]}, {"marks": [GOOD], "device": "x" * 101},
               {"marks": [GOOD] * 5001}, {"marks": []}, {"marks": [{**GOOD, "value": None}]},
               {"marks": [{**GOOD, "entry_id": True}]}, {"marks": [{**GOOD, "aspect_id": False}]},
               {"marks": [{**GOOD, "client_time": 5}]}, {"marks": [GOOD], "extra": 1},
               {"marks": [{**GOOD, "extra": 1}]}, {"marks": [{k: v for k, v in GOOD.items() if k != "value"}]},
               {"device": "x"}, [GOOD], None]
    for data in inside:
        assert plain_mark_batch(data) is data
        assert _typed(MARK_BATCH.load(data)) == _typed(data)
    for data in outside:
        assert plain_mark_batch(data) is None
        with pytest.raises(ValidationError):
            MARK_BATCH.load(data)


def test_what_the_schema_converts_is_left_to_it():
    for data in ({"marks": [{**GOOD, "entry_id": "1"}]}, {"marks": [{**GOOD, "aspect_id": 2.0}]}):
        assert plain_mark_batch(data) is None
        assert MARK_BATCH.load(data)["marks"][0]["entry_id"] == 1
