"""Draw rules: commitment, replay from the seed (against a golden vector and an independent re-implementation
of the documented algorithm), independence from input order, the bijection and balance properties, every
refusal, and the anonymisation layers."""
from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competition.rules.draw import (
    AnonymousCodes,
    DrawAssignment,
    DrawError,
    DrawResult,
    commit,
    make_anonymous_codes,
    new_seed,
    run_draw,
    verify_commitment,
)

# No example database: the run leaves nothing behind in the working tree.
prop = settings(database=None, max_examples=200, deadline=None)

SEED = "saiping-golden-vector"
STATIONS = ["G1", "G2", "G3"]
SESSIONS = ["上午", "下午"]


def refusal(call, *args, **kwargs) -> DrawError:
    with pytest.raises(DrawError) as caught:
        call(*args, **kwargs)
    error = caught.value
    assert error.message % error.params  # every placeholder has its param
    return error


# --- an independent replay, written from the module docstring only -------------------------------------

def replay_words(seed: str, label: str):
    counter = 0
    while True:
        yield int.from_bytes(hashlib.sha256(f"{seed}/{label}/{counter}".encode()).digest()[:8], "big")
        counter += 1


def replay_uniform(words, n: int) -> int:
    limit = 2**64 - 2**64 % n
    return next(word for word in words if word < limit) % n


def replay_shuffle(words, items: list) -> None:
    for i in range(len(items) - 1, 0, -1):
        j = replay_uniform(words, i + 1)
        items[i], items[j] = items[j], items[i]


def replay_draw(seed: str, entry_ids: list[int], stations: list[str], sessions: list[str]) -> list[tuple]:
    order = sorted(entry_ids)
    replay_shuffle(replay_words(seed, "round-1"), order)
    per_session, extra = divmod(len(order), len(sessions))
    lots = [(session, station) for index, session in enumerate(sessions)
            for station in stations[:per_session + (index < extra)]]
    words = replay_words(seed, "round-2")
    numbers = list(range(1, len(order) + 1))
    replay_shuffle(words, numbers)
    replay_shuffle(words, lots)
    drawn = zip(order, numbers, lots, strict=True)
    return [(entry, number, station, session) for entry, number, (session, station) in drawn]


# --- seed and commitment --------------------------------------------------------------------------------

def test_commitment_is_sha256_of_the_seed():
    assert commit("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert commit("抽签") == hashlib.sha256("抽签".encode()).hexdigest()


def test_verify_commitment():
    seed = new_seed()
    commitment = commit(seed)
    assert verify_commitment(seed, commitment)
    assert verify_commitment(seed, f"  {commitment.upper()}\n")
    assert not verify_commitment(seed + "0", commitment)
    assert not verify_commitment(seed, commitment[:-1])
    assert not verify_commitment(seed, "")
    assert not verify_commitment(seed, "承诺")


def test_new_seeds_are_256_bit_hex_and_fresh():
    seeds = {new_seed() for _ in range(20)}
    assert len(seeds) == 20
    assert all(re.fullmatch(r"[0-9a-f]{64}", seed) for seed in seeds)


def test_seed_refusals():
    assert refusal(commit, "").code == "draw.seed"
    assert refusal(run_draw, "", [1], STATIONS).code == "draw.seed"
    assert refusal(make_anonymous_codes, "", ["01"]).code == "draw.seed"
    with pytest.raises(TypeError):
        commit(12345)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        verify_commitment("abc", None)  # type: ignore[arg-type]


# --- replay ---------------------------------------------------------------------------------------------

def golden_draw() -> DrawResult:
    return run_draw(SEED, [104, 101, 103, 102, 105], STATIONS, SESSIONS, number_width=3, number_prefix="J")


def test_golden_vector():
    # Frozen output: if this changes, published draws can no longer be replayed. Never update it casually.
    result = golden_draw()
    assert result.seed == SEED
    assert result.commitment == commit(SEED)
    assert result.draw_order == (101, 102, 103, 105, 104)
    assert result.assignments == (
        DrawAssignment(101, 1, "J001", "G1", "下午"),
        DrawAssignment(102, 2, "J004", "G2", "上午"),
        DrawAssignment(103, 3, "J002", "G3", "上午"),
        DrawAssignment(105, 4, "J005", "G2", "下午"),
        DrawAssignment(104, 5, "J003", "G1", "上午"),
    )


@prop
@given(seed=st.text(min_size=1, max_size=40), entry_count=st.integers(0, 30), station_count=st.integers(1, 8),
       session_count=st.integers(1, 4))
def test_the_documented_algorithm_replays_every_draw(seed, entry_count, station_count, session_count):
    stations = [f"S{n}" for n in range(1, station_count + 1)]
    sessions = [f"D{n}" for n in range(1, session_count + 1)]
    entry_ids = list(range(1000, 1000 + min(entry_count, station_count * session_count)))
    result = run_draw(seed, entry_ids, stations, sessions)
    drawn = [(a.entry_id, int(a.competitor_number), a.station, a.session) for a in result.assignments]
    assert drawn == replay_draw(seed, entry_ids, stations, sessions)


def test_same_seed_same_result():
    assert golden_draw() == golden_draw()
    entries = list(range(1, 41))
    stations = [f"{n:02d}" for n in range(1, 21)]
    assert run_draw("s", entries, stations, ["AM", "PM"]) == run_draw("s", entries, stations, ["AM", "PM"])


def test_different_seeds_give_different_draws():
    entries = list(range(1, 21))
    stations = [f"{n:02d}" for n in range(1, 21)]
    results = [run_draw(f"seed-{n}", entries, stations) for n in range(20)]
    assert len({result.draw_order for result in results}) == 20
    assert len({tuple(a.competitor_number for a in result.assignments) for result in results}) == 20
    assert len({tuple(a.station for a in result.assignments) for result in results}) == 20


@prop
@given(st.lists(st.integers(-10**9, 10**9), min_size=0, max_size=25, unique=True).flatmap(
    lambda ids: st.tuples(st.just(ids), st.permutations(ids))))
def test_result_does_not_depend_on_input_order(ids_and_permutation):
    ids, permuted = ids_and_permutation
    stations = [f"{n:02d}" for n in range(1, 14)]
    sessions = ["AM", "PM"]
    assert run_draw("order", ids, stations, sessions) == run_draw("order", permuted, stations, sessions)


# --- what every draw guarantees -------------------------------------------------------------------------

@st.composite
def draw_inputs(draw):
    stations = draw(st.lists(st.text(min_size=1, max_size=4).filter(str.strip), min_size=1, max_size=10,
                             unique=True))
    session_labels = st.sampled_from(["AM", "PM", "D1", "D2", "夜"])
    sessions = draw(st.none() | st.lists(session_labels, min_size=1, unique=True))
    capacity = len(stations) * (len(sessions) if sessions else 1)
    entry_count = draw(st.integers(0, capacity))
    entry_ids = draw(st.lists(st.integers(0, 10**6), min_size=entry_count, max_size=entry_count, unique=True))
    return draw(st.text(min_size=1, max_size=20)), entry_ids, stations, sessions


@prop
@given(draw_inputs())
def test_numbers_and_places_are_a_bijection(inputs):
    seed, entry_ids, stations, sessions = inputs
    result = run_draw(seed, entry_ids, stations, sessions)
    count = len(entry_ids)
    assignments = result.assignments

    assert sorted(result.draw_order) == sorted(entry_ids)
    assert [a.entry_id for a in assignments] == list(result.draw_order)
    assert [a.draw_position for a in assignments] == list(range(1, count + 1))
    # Numbers: 1..N once each, zero-padded to the width of N.
    width = len(str(count))
    assert sorted(a.competitor_number for a in assignments) == [f"{n:0{width}d}" for n in range(1, count + 1)]
    # Places: every (session, station) at most once, drawn from the given labels.
    places = [(a.session, a.station) for a in assignments]
    assert len(set(places)) == count
    assert all(a.station in stations for a in assignments)
    if sessions is None:
        assert all(a.session is None for a in assignments)
    else:
        # Balanced: sizes differ by at most one; the bigger sessions come first; each uses its first stations.
        sizes = [sum(1 for a in assignments if a.session == session) for session in sessions]
        assert max(sizes) - min(sizes) <= 1
        assert sizes == sorted(sizes, reverse=True)
        for session, size in zip(sessions, sizes, strict=True):
            assert {a.station for a in assignments if a.session == session} == set(stations[:size])
    for assignment in assignments:
        assert result.for_entry(assignment.entry_id) is assignment


def test_exactly_full_and_one_too_many():
    entries = list(range(1, 7))
    full = run_draw("cap", entries, STATIONS, SESSIONS)
    assert Counter(a.session for a in full.assignments) == {"上午": 3, "下午": 3}
    error = refusal(run_draw, "cap", [*entries, 7], STATIONS, SESSIONS)
    assert error.code == "draw.capacity"
    assert error.params == {"entries": 7, "stations": 3, "sessions": 2, "capacity": 6}
    assert refusal(run_draw, "cap", [1, 2, 3, 4], STATIONS).params["capacity"] == 3


def test_odd_entries_fill_the_first_session_first():
    result = run_draw("odd", [1, 2, 3, 4, 5], STATIONS, SESSIONS)
    assert Counter(a.session for a in result.assignments) == {"上午": 3, "下午": 2}
    assert {a.station for a in result.assignments if a.session == "下午"} == {"G1", "G2"}


def test_no_entries_is_an_empty_draw():
    result = run_draw("empty", [], STATIONS)
    assert (result.draw_order, result.assignments) == ((), ())


def test_number_width_and_prefix():
    ten = list(range(1, 11))
    result = run_draw("w", ten, [f"{n}" for n in ten], number_width=3, number_prefix="A")
    assert sorted(a.competitor_number for a in result.assignments) == [f"A{n:03d}" for n in range(1, 11)]
    default = run_draw("w", list(range(1, 11)), [f"{n}" for n in range(1, 11)])
    assert sorted(a.competitor_number for a in default.assignments)[0] == "01"
    error = refusal(run_draw, "w", list(range(1, 11)), [f"{n}" for n in range(1, 11)], number_width=1)
    assert (error.code, error.params) == ("draw.number_width", {"count": 10, "width": 1})
    for bad in (0, True, "3"):
        with pytest.raises(TypeError):
            run_draw("w", [1], ["1"], number_width=bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        run_draw("w", [1], ["1"], number_prefix=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(("args", "code"), [
    (([1, 2, 1], STATIONS), "draw.duplicate_entry"),
    (([1], []), "draw.no_stations"),
    (([1], ["G1", "G2", "G1"]), "draw.duplicate_station"),
    (([1], STATIONS, []), "draw.no_sessions"),
    (([1], STATIONS, ["AM", "AM"]), "draw.duplicate_session"),
])
def test_draw_refusals(args, code):
    assert refusal(run_draw, "x", *args).code == code


@pytest.mark.parametrize("args", [
    ([1, True], STATIONS), ([1, "2"], STATIONS), ([1.0], STATIONS), ("12", STATIONS), ([1], "G1G2"),
    ([1], ["G1", ""]), ([1], ["G1", " "]), ([1], ["G1", 2]), ([1], STATIONS, "AM"),
])
def test_draw_type_errors(args):
    with pytest.raises(TypeError):
        run_draw("x", *args)


def test_results_are_frozen():
    result = golden_draw()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.seed = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.assignments[0].station = "G9"  # type: ignore[misc]
    with pytest.raises(KeyError):
        result.for_entry(999)


# --- anonymisation --------------------------------------------------------------------------------------

NUMBERS = [f"J{n:03d}" for n in range(1, 51)]


def test_anonymous_codes_golden_vector():
    codes = make_anonymous_codes(SEED, ["J001", "J002", "J003", "J004", "J005"])
    assert codes.layers == (
        {"J001": "2", "J002": "4", "J003": "3", "J004": "5", "J005": "1"},
        {"1": "733229", "2": "363819", "3": "641965", "4": "846483", "5": "208115"},
    )


def test_anonymous_codes_are_deterministic_and_seed_dependent():
    assert make_anonymous_codes("k", NUMBERS) == make_anonymous_codes("k", list(reversed(NUMBERS)))
    assert make_anonymous_codes("k", NUMBERS) != make_anonymous_codes("k2", NUMBERS)


def test_two_layers_chain_and_reverse():
    codes = make_anonymous_codes("k", NUMBERS)
    first, second = codes.layers
    assert set(first) == set(NUMBERS)
    assert sorted(first.values()) == [f"{n:02d}" for n in range(1, 51)]  # layer 1: 工位号 1..N
    assert set(second) == set(first.values())
    for number in NUMBERS:
        outer = codes.outer_code(number)
        assert outer == second[first[number]]
        assert codes.reverse_layer(2, outer) == first[number]
        assert codes.reverse_layer(1, first[number]) == number
        assert codes.reveal(outer) == number
    with pytest.raises(KeyError):
        codes.reveal("000000")
    with pytest.raises(IndexError):
        codes.reverse_layer(3, "x")
    with pytest.raises(IndexError):
        codes.reverse_layer(0, "x")


def test_outer_codes_cannot_be_read_from_the_competitor_number():
    codes = make_anonymous_codes("k", NUMBERS)
    outer = [codes.outer_code(number) for number in NUMBERS]
    assert all(re.fullmatch(r"[0-9]{6}", code) for code in outer)
    assert outer != sorted(outer) and outer != sorted(outer, reverse=True)
    steps = {int(b) - int(a) for a, b in pairwise(outer)}
    assert len(steps) == len(outer) - 1  # no constant or repeated step between consecutive competitors


@prop
@given(st.text(min_size=1, max_size=20),
       st.lists(st.text(min_size=1, max_size=6), min_size=0, max_size=60, unique=True),
       st.integers(1, 4), st.integers(3, 8))
def test_anonymous_codes_are_unique_fixed_width_and_replayable(seed, numbers, layers, width):
    codes = make_anonymous_codes(seed, numbers, layers, code_width=width, code_space_factor=1)
    assert codes == make_anonymous_codes(seed, numbers[::-1], layers, code_width=width, code_space_factor=1)
    assert len(codes.layers) == layers
    previous = set(numbers)
    every_later_code = []
    for index, layer in enumerate(codes.layers):
        assert set(layer) == previous
        assert len(set(layer.values())) == len(layer)
        if index > 0:
            assert all(re.fullmatch(rf"[0-9]{{{width}}}", code) for code in layer.values())
            every_later_code.extend(layer.values())
        previous = set(layer.values())
    # Codes of layers 2+ never repeat a competitor number, a layer-1 code or each other.
    assert len(set(every_later_code)) == len(every_later_code)
    assert not set(every_later_code) & (set(numbers) | set(codes.layers[0].values()))
    for number in numbers:
        assert codes.reveal(codes.outer_code(number)) == number


def test_one_layer_only():
    codes = make_anonymous_codes("k", ["A", "B", "C"], layers=1)
    assert len(codes.layers) == 1
    assert sorted(codes.layers[0].values()) == ["1", "2", "3"]


def test_anonymisation_refusals():
    assert refusal(make_anonymous_codes, "k", ["01", "02", "01"]).code == "draw.duplicate_number"
    assert refusal(make_anonymous_codes, "k", ["01"], 0).code == "draw.layers"
    error = refusal(make_anonymous_codes, "k", NUMBERS, code_width=2)  # 100 codes < 10 x 50
    assert (error.code, error.params) == ("draw.code_space", {"width": 2, "count": 50})
    assert make_anonymous_codes("k", NUMBERS, code_width=3).layers  # 1000 >= 10 x 50
    assert refusal(make_anonymous_codes, "k", NUMBERS, code_width=19).code == "draw.code_space"
    # One-digit numbers and layer-1 codes take half of the ten one-digit codes: room for one more layer only.
    digits = ["1", "2", "3", "4", "5"]
    error = refusal(make_anonymous_codes, "k", digits, 3, code_width=1, code_space_factor=1)
    assert error.code == "draw.code_space"
    fitting = make_anonymous_codes("k", digits, 2, code_width=1, code_space_factor=1)
    assert set(fitting.layers[1].values()) == {"0", "6", "7", "8", "9"}
    with pytest.raises(TypeError):
        make_anonymous_codes("k", "0102")
    with pytest.raises(TypeError):
        make_anonymous_codes("k", ["01", 2])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        make_anonymous_codes("k", ["01"], layers=True)


def test_anonymous_codes_are_frozen():
    codes = make_anonymous_codes("k", ["01"])
    assert isinstance(codes, AnonymousCodes)
    with pytest.raises(dataclasses.FrozenInstanceError):
        codes.layers = ()  # type: ignore[misc]
