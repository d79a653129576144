"""The draw (抽签) and the anonymisation layers (加密 / 二次加密) of one skill (DOMAIN.md §4).

Pure: no Flask, no database, no I/O. The only randomness outside a seed is :func:`new_seed`.

Commit and reveal. Before the draw the organiser records ``commit(seed)`` (SHA-256 of the seed) where
everyone can see it; after the draw the seed is published and anyone can check it with
:func:`verify_commitment` and replay :func:`run_draw`. The seed of :func:`make_anonymous_codes` must be a
*different* seed, kept by the 加密裁判 until the 裁判长 signs: whoever knows it can recompute every code.

The random stream, specified so that it can be replayed in any language:

- word ``k`` (``k = 0, 1, 2 ...``) of the stream labelled ``label`` is the first 8 bytes, read as a
  big-endian unsigned integer, of ``SHA-256(UTF-8(f"{seed}/{label}/{k}"))``;
- ``uniform(n)``: take words until one is below ``2**64 - 2**64 % n`` and return it modulo ``n``
  (rejection, so every value is equally likely);
- ``shuffle(items)``: Fisher-Yates from the end: for ``i`` from ``len(items) - 1`` down to 1,
  ``j = uniform(i + 1)``, swap ``items[i]`` and ``items[j]``.

:func:`run_draw`:

1. Entry ids are sorted ascending (so the result does not depend on the order they were passed in).
2. Round 1 (stream ``round-1``): the sorted ids are shuffled; that is the order in which round 2 is drawn.
3. The lots are prepared: with ``S`` sessions and ``N`` entries, each session holds ``N // S`` entries and
   the first ``N % S`` sessions (in the order given) one more; a session holding ``k`` entries uses its
   first ``k`` stations (in the order given, so stations to avoid go last).
4. Round 2 (stream ``round-2``): the numbers ``1..N`` are shuffled, then the lots (session, station) in
   session-then-station order are shuffled; the entry drawing at position ``i`` of round 1 gets number
   ``i`` and lot ``i`` of the shuffled lists. A competitor number is ``prefix`` + the number zero-padded
   to ``number_width``.

:func:`make_anonymous_codes` chains ``layers`` mappings from the sorted competitor numbers (stream
``anonymise-<layer>``): layer 1 is a shuffled ``1..N`` (zero-padded to the width of ``N``), each later
layer gives every code of the layer before a random ``code_width``-digit code (``uniform(10**code_width)``,
drawn again while it is already a competitor number or a code of any layer), taken in ascending order of
the codes it replaces.

Errors. Every refusal raises :class:`DrawError` (a ``ValueError``) with a stable ``code``, an English msgid
``message`` and its ``params``: ``draw.seed``, ``draw.duplicate_entry``, ``draw.no_stations``,
``draw.duplicate_station``, ``draw.no_sessions``, ``draw.duplicate_session``, ``draw.capacity``,
``draw.number_width``, ``draw.duplicate_number``, ``draw.layers``, ``draw.code_space``.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator, MutableSequence, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TypeVar

from competition.rules import N_, RuleError

__all__ = [
    "AnonymisationSettings", "AnonymousCodes", "DrawAssignment", "DrawError", "DrawResult", "DrawSettings", "commit",
    "make_anonymous_codes", "new_seed", "run_draw", "verify_commitment",
]

_T = TypeVar("_T")

# Bytes of entropy in a new seed (256 bits, printed as 64 hex characters).
_SEED_BYTES = 32
_WORD_BYTES = 8
_WORD_RANGE = 2 ** (8 * _WORD_BYTES)
# uniform(n) needs n <= 2**64; 10**19 > 2**64 > 10**18.
_MAX_CODE_WIDTH = 18


class DrawError(RuleError):
    """A draw or anonymisation is refused: ``code`` is stable and machine-readable, ``message`` an English
    msgid whose ``%(name)s`` placeholders are filled from ``params``."""


@dataclass(frozen=True)
class DrawSettings:
    """Per-event / per-skill settings of the draw (section ``draw``): competitor numbers have at least
    ``number_width`` digits (more when the entries need them)."""

    number_width: int = 3

    def __post_init__(self) -> None:
        if isinstance(self.number_width, bool) or not isinstance(self.number_width, int) \
                or not 1 <= self.number_width <= 8:
            raise ValueError("number_width must be an int from 1 to 8")


@dataclass(frozen=True)
class AnonymisationSettings:
    """Per-event / per-skill settings of :func:`make_anonymous_codes` (section ``anonymisation``); the
    defaults are 二次加密 (two layers) with six-digit outer codes."""

    layers: int = 2
    code_width: int = 6
    code_space_factor: int = 10

    def __post_init__(self) -> None:
        for name in ("layers", "code_width", "code_space_factor"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int")
        if self.code_width > _MAX_CODE_WIDTH:
            raise ValueError(f"code_width must be at most {_MAX_CODE_WIDTH}")


# --- seed and commitment --------------------------------------------------------------------------------

def new_seed() -> str:
    """A fresh secret seed: 64 hexadecimal characters from :mod:`secrets` (256 bits)."""
    return secrets.token_hex(_SEED_BYTES)


def _require_seed(seed: object) -> str:
    if not isinstance(seed, str):
        raise TypeError(f"a seed must be a str, not {type(seed).__name__}")
    if not seed:
        raise DrawError("draw.seed", N_("The draw needs a seed."))
    return seed


def commit(seed: str) -> str:
    """The commitment to publish before the draw: SHA-256 of the UTF-8 seed, 64 lower-case hex characters.
    Raises :class:`DrawError` ``draw.seed`` for an empty seed, ``TypeError`` for a non-str."""
    return hashlib.sha256(_require_seed(seed).encode("utf-8")).hexdigest()


def verify_commitment(seed: str, commitment: str) -> bool:
    """Whether ``seed`` is the seed committed to by ``commitment`` (hex, any case, surrounding spaces
    ignored). Constant-time comparison. Raises as :func:`commit` for a bad seed."""
    expected = commit(seed).encode("ascii")
    if not isinstance(commitment, str):
        raise TypeError(f"a commitment must be a str, not {type(commitment).__name__}")
    return hmac.compare_digest(expected, commitment.strip().lower().encode("utf-8"))


# --- the random stream ----------------------------------------------------------------------------------

class _SeededStream:
    """The stream described in the module docstring; the only source of randomness in this module."""

    def __init__(self, seed: str, label: str) -> None:
        self._prefix = f"{seed}/{label}/"
        self._words = self._generate()

    def _generate(self) -> Iterator[int]:
        counter = 0
        while True:
            digest = hashlib.sha256(f"{self._prefix}{counter}".encode()).digest()
            yield int.from_bytes(digest[:_WORD_BYTES], "big")
            counter += 1

    def uniform(self, n: int) -> int:
        """A uniformly distributed integer in ``[0, n)``."""
        if not 1 <= n <= _WORD_RANGE:
            raise ValueError(f"uniform(n) needs 1 <= n <= 2**64, got {n}")
        limit = _WORD_RANGE - _WORD_RANGE % n
        for word in self._words:
            if word < limit:
                return word % n
        raise AssertionError("unreachable: the stream is infinite")

    def shuffle(self, items: MutableSequence[_T]) -> None:
        """Shuffle ``items`` in place (Fisher-Yates from the end)."""
        for i in range(len(items) - 1, 0, -1):
            j = self.uniform(i + 1)
            items[i], items[j] = items[j], items[i]


# --- the draw -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DrawAssignment:
    """What one entry drew. ``draw_position`` is its place in the round-1 order (1-based); ``session`` is
    ``None`` when the skill runs in one session."""

    entry_id: int
    draw_position: int
    competitor_number: str
    station: str
    session: str | None


@dataclass(frozen=True)
class DrawResult:
    """A replayable draw: the seed, its commitment, the round-1 order and the assignments in that order."""

    seed: str
    commitment: str
    draw_order: tuple[int, ...]
    assignments: tuple[DrawAssignment, ...]

    def for_entry(self, entry_id: int) -> DrawAssignment:
        """The assignment of ``entry_id``; raises ``KeyError`` if it was not in the draw."""
        for assignment in self.assignments:
            if assignment.entry_id == entry_id:
                return assignment
        raise KeyError(entry_id)


# (code, msgid) of the refusals of a label list, per kind of label: whole msgids, so each translates whole.
_LABEL_REFUSALS = {
    "station": (("draw.no_stations", N_("The draw needs at least one station.")),
                ("draw.duplicate_station", N_("Station %(label)s is listed twice."))),
    "session": (("draw.no_sessions", N_("The draw needs at least one session.")),
                ("draw.duplicate_session", N_("Session %(label)s is listed twice."))),
}


def _require_unique_labels(labels: Sequence[str], what: str) -> None:
    (empty_code, empty_message), (duplicate_code, duplicate_message) = _LABEL_REFUSALS[what]
    if isinstance(labels, str):
        raise TypeError(f"{what}s must be a sequence of labels, not one str")
    if not labels:
        raise DrawError(empty_code, empty_message)
    seen: set[str] = set()
    for label in labels:
        if not isinstance(label, str) or not label.strip():
            raise TypeError(f"every {what} must be a non-empty str, got {label!r}")
        if label in seen:
            raise DrawError(duplicate_code, duplicate_message, label=label)
        seen.add(label)


def _number_width(count: int, number_width: int | None) -> int:
    needed = len(str(count))
    if number_width is None:
        return needed
    if isinstance(number_width, bool) or not isinstance(number_width, int) or number_width < 1:
        raise TypeError(f"number_width must be a positive int or None, not {number_width!r}")
    if number_width < needed:
        raise DrawError("draw.number_width",
                        N_("%(count)s competitor numbers do not fit in %(width)s digits."),
                        count=count, width=number_width)
    return number_width


def _session_lots(entry_count: int, stations: Sequence[str],
                  sessions: Sequence[str | None]) -> list[tuple[str | None, str]]:
    """The (session, station) lots in session-then-station order, balanced over sessions."""
    per_session, extra = divmod(entry_count, len(sessions))
    lots = []
    for index, session in enumerate(sessions):
        size = per_session + (1 if index < extra else 0)
        lots.extend((session, station) for station in stations[:size])
    return lots


def run_draw(seed: str, entry_ids: Sequence[int], stations: Sequence[str],
             sessions: Sequence[str] | None = None, *, number_width: int | None = None,
             number_prefix: str = "") -> DrawResult:
    """Run the two-round draw of one skill, reproducibly from ``seed`` (algorithm: module docstring).

    - ``entry_ids``: distinct ints, in any order.
    - ``stations`` (工位) and ``sessions`` (场次; ``None`` for a single session): distinct non-empty labels,
      in the organiser's order of preference.
    - ``number_width``: digits of a competitor number (default: the digits of the entry count);
      ``number_prefix`` is put in front (e.g. ``"A"`` gives ``A07``).

    Returns a :class:`DrawResult` whose numbers are ``1..N`` once each and whose (session, station) pairs
    are distinct; session sizes differ by at most one. No entries give an empty result.
    Raises :class:`DrawError`: ``draw.seed``, ``draw.duplicate_entry``, ``draw.no_stations``,
    ``draw.duplicate_station``, ``draw.no_sessions``, ``draw.duplicate_session``, ``draw.capacity`` (fewer
    station x session places than entries), ``draw.number_width``; ``TypeError`` for wrongly typed input.
    """
    _require_seed(seed)
    if isinstance(entry_ids, str):
        raise TypeError("entry_ids must be a sequence of ints")
    for entry_id in entry_ids:
        if isinstance(entry_id, bool) or not isinstance(entry_id, int):
            raise TypeError(f"entry ids must be ints, got {entry_id!r}")
    ordered = sorted(entry_ids)
    for previous, current in pairwise(ordered):
        if previous == current:
            raise DrawError("draw.duplicate_entry", N_("Entry %(entry_id)s is listed twice."),
                            entry_id=current)
    _require_unique_labels(stations, "station")
    session_labels: Sequence[str | None] = [None]
    if sessions is not None:
        _require_unique_labels(sessions, "session")
        session_labels = sessions
    capacity = len(stations) * len(session_labels)
    if len(ordered) > capacity:
        raise DrawError("draw.capacity", N_("%(entries)s entries do not fit in %(stations)s stations x "
                                            "%(sessions)s sessions (%(capacity)s places)."),
                        entries=len(ordered), stations=len(stations), sessions=len(session_labels),
                        capacity=capacity)
    if not isinstance(number_prefix, str):
        raise TypeError(f"number_prefix must be a str, not {type(number_prefix).__name__}")
    width = _number_width(len(ordered), number_width)

    draw_order = list(ordered)
    _SeededStream(seed, "round-1").shuffle(draw_order)

    round_two = _SeededStream(seed, "round-2")
    numbers = list(range(1, len(ordered) + 1))
    round_two.shuffle(numbers)
    lots = _session_lots(len(ordered), stations, session_labels)
    round_two.shuffle(lots)

    drawn = zip(draw_order, numbers, lots, strict=True)
    assignments = tuple(
        DrawAssignment(entry_id=entry_id, draw_position=position,
                       competitor_number=f"{number_prefix}{number:0{width}d}",
                       station=station, session=session)
        for position, (entry_id, number, (session, station)) in enumerate(drawn, start=1)
    )
    return DrawResult(seed=seed, commitment=commit(seed), draw_order=tuple(draw_order),
                      assignments=assignments)


# --- anonymisation --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AnonymousCodes:
    """The chained mappings 参赛号 → layer 1 → ... → outer code (the only one judges see).

    ``layers[0]`` maps competitor numbers to layer-1 codes, ``layers[k]`` maps layer-``k`` codes to
    layer-``k + 1`` codes. Layer-1 codes are ``1..N`` zero-padded, so they may look like competitor numbers;
    the codes of later layers are distinct from every competitor number and every other code. Not hashable
    (the layers are dicts).
    """

    layers: tuple[dict[str, str], ...]

    def outer_code(self, competitor_number: str) -> str:
        """The code judges see for ``competitor_number``; raises ``KeyError`` if it is unknown."""
        code = competitor_number
        for layer in self.layers:
            code = layer[code]
        return code

    def reverse_layer(self, layer: int, code: str) -> str:
        """Undo one layer (1-based, the outermost is ``len(layers)``): the code of layer ``layer - 1`` (the
        competitor number for layer 1) behind ``code``. Raises ``KeyError`` for an unknown code or
        ``IndexError`` for a layer that does not exist."""
        if not 1 <= layer <= len(self.layers):
            raise IndexError(f"layer must be between 1 and {len(self.layers)}, got {layer}")
        for inner, outer in self.layers[layer - 1].items():
            if outer == code:
                return inner
        raise KeyError(code)

    def reveal(self, outer_code: str) -> str:
        """The competitor number behind an outer code, undoing every layer from the outside in."""
        code = outer_code
        for layer in range(len(self.layers), 0, -1):
            code = self.reverse_layer(layer, code)
        return code


def make_anonymous_codes(seed: str, competitor_numbers: Sequence[str], layers: int = 2, *,
                         code_width: int = 6, code_space_factor: int = 10) -> AnonymousCodes:
    """Chained anonymisation codes for one skill, reproducibly from ``seed`` (algorithm: module docstring).

    - ``seed``: a secret seed of the 加密裁判, not the published draw seed.
    - ``competitor_numbers``: distinct non-empty strings, in any order.
    - ``layers``: how many chained mappings (>= 1; 2 is 二次加密).
    - ``code_width``: digits of the codes of layer 2 onwards (at most 18).
    - ``code_space_factor``: ``10**code_width`` must be at least this many times the number of competitors,
      so that guessing a code in use is unlikely (default: at most one code in 10 is used); the space must
      also hold every code of layers 2+ besides the competitor numbers and layer-1 codes of that width.

    Returns :class:`AnonymousCodes`. Raises :class:`DrawError`: ``draw.seed``, ``draw.duplicate_number``,
    ``draw.layers`` (fewer than 1), ``draw.code_space`` (``code_width`` too small for the competitors);
    ``TypeError`` for wrongly typed input.
    """
    _require_seed(seed)
    if isinstance(competitor_numbers, str):
        raise TypeError("competitor_numbers must be a sequence of str, not one str")
    for number in competitor_numbers:
        if not isinstance(number, str) or not number:
            raise TypeError(f"competitor numbers must be non-empty str, got {number!r}")
    ordered = sorted(competitor_numbers)
    for previous, current in pairwise(ordered):
        if previous == current:
            raise DrawError("draw.duplicate_number", N_("Competitor number %(number)s is listed twice."),
                            number=current)
    settings = {"layers": layers, "code_width": code_width, "code_space_factor": code_space_factor}
    for name, value in settings.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if layers < 1:
        raise DrawError("draw.layers", N_("Anonymisation needs at least one layer, not %(layers)s."),
                        layers=layers)
    first_codes = [f"{n:0{len(str(len(ordered)))}d}" for n in range(1, len(ordered) + 1)]
    used = set(ordered) | set(first_codes)
    if layers > 1:
        # Codes of this width already taken by a competitor number or a layer-1 code cannot be drawn again;
        # counting them keeps the redraw loop below finite.
        taken = sum(1 for code in used if len(code) == code_width and code.isascii() and code.isdigit())
        fits = (1 <= code_width <= _MAX_CODE_WIDTH and code_space_factor >= 1
                and 10 ** code_width >= code_space_factor * len(ordered)
                and 10 ** code_width - taken >= (layers - 1) * len(ordered))
        if not fits:
            raise DrawError("draw.code_space",
                            N_("Codes of %(width)s digits are too few for %(count)s competitors."),
                            width=code_width, count=len(ordered))

    _SeededStream(seed, "anonymise-1").shuffle(first_codes)
    mappings = [dict(zip(ordered, first_codes, strict=True))]
    for layer in range(2, layers + 1):
        stream = _SeededStream(seed, f"anonymise-{layer}")
        mapping = {}
        for inner in sorted(mappings[-1].values()):
            code = f"{stream.uniform(10 ** code_width):0{code_width}d}"
            while code in used:
                code = f"{stream.uniform(10 ** code_width):0{code_width}d}"
            used.add(code)
            mapping[inner] = code
        mappings.append(mapping)
    return AnonymousCodes(layers=tuple(mappings))
