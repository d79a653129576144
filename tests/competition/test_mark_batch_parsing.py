"""The mark sync takes a plain batch as it is only when its schema would load it to exactly the same thing."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from competition.api.marks import MARK_BATCH, plain_mark_batch

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**20), st.floats(allow_nan=False),
                    st.text(max_size=70), st.sampled_from(["12", "7.5", "", "abc"]))
client_ids = st.one_of(st.text(min_size=6, max_size=66), scalars)
mark = st.dictionaries(
    st.sampled_from(["client_id", "entry_id", "aspect_id", "value", "client_time", "extra"]),
    st.one_of(scalars, client_ids, st.lists(st.integers(), max_size=2)), max_size=6)
plain_mark = st.fixed_dictionaries(
    {"client_id": st.text(min_size=8, max_size=64), "entry_id": st.integers(0, 10**9),
     "aspect_id": st.integers(0, 10**9), "value": st.one_of(st.integers(0, 100), st.text(max_size=6))},
    optional={"client_time": st.text(max_size=40)})
one_field_off = st.builds(lambda m, key, value: {**m, key: value}, plain_mark,  # a plain mark, one field changed
                          st.sampled_from(["client_id", "entry_id", "aspect_id", "value", "client_time", "extra"]),
                          st.one_of(scalars, client_ids))
batch = st.one_of(
    st.fixed_dictionaries({"marks": st.lists(st.one_of(mark, plain_mark, one_field_off), max_size=4)},
                          optional={"device": st.one_of(st.text(max_size=110), scalars), "other": scalars}),
    scalars, st.lists(plain_mark, max_size=2))


@settings(max_examples=400, deadline=None)
@given(batch)
def test_a_plain_batch_is_what_the_schema_loads(data):
    plain = plain_mark_batch(data)
    if plain is None:
        return
    assert MARK_BATCH.load(data) == plain


@settings(max_examples=200, deadline=None)
@given(st.lists(plain_mark, min_size=1, max_size=5), st.one_of(st.none(), st.text(max_size=100)))
def test_what_tablets_send_is_taken_as_it_is(marks, device):
    data = {"marks": marks} if device is None else {"marks": marks, "device": device}
    assert plain_mark_batch(data) is data


def test_anything_else_is_left_to_the_schema():
    good = {"client_id": "tablet-0001", "entry_id": 1, "aspect_id": 2, "value": "5"}
    for data in ({"marks": []}, {"marks": [good], "extra": 1}, {"marks": [{**good, "entry_id": "1"}]},
                 {"marks": [{**good, "entry_id": True}]}, {"marks": [{**good, "value": None}]},
                 {"marks": [{**good, "client_id": "short"}]}, {"marks": [{**good, "client_time": 5}]},
                 {"marks": [good], "device": "x" * 101}, [good], None):
        assert plain_mark_batch(data) is None
    try:
        MARK_BATCH.load({"marks": [{**good, "client_id": "short"}]})
    except ValidationError as error:
        assert "client_id" in str(error.messages)
    else:
        raise AssertionError("the schema must refuse a short client id")
