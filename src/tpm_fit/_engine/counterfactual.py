"""Counterfactuals: the smallest change to each input that would flip the verdict or the need.

With every other input held fixed, the score is piecewise linear in an integer input and the seat
is piecewise constant, with kinks and steps only at the breakpoints the compiled rulebook lists
(:meth:`~tpm_fit._engine.kernel.CompiledRulebook.breakpoints`). So between two consecutive
breakpoints the verdict can change at most once, in one direction, and a binary search over whole
numbers finds the exact flip point; whether a hire is needed changes only at a breakpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from pydantic import BaseModel, ConfigDict, Field

from .._model.profile import HEADCOUNT, HEADCOUNT_BOUNDED, NUMERIC_BOUNDS, ORDERED_INPUTS
from .._model.rulebook import Rulebook
from .._model.vocab import Verdict
from .kernel import INPUT_NAMES, CompiledRulebook, compile_rulebook, encode_profile

if TYPE_CHECKING:
    from .._model.result import Recommendation

__all__ = ["Counterfactual", "counterfactuals", "probe", "shared_probes"]


class Counterfactual(BaseModel):
    """The nearest change to one input that flips the verdict, and the one that flips the need."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(description="The input changed; every other input is held fixed.")
    current: int | str = Field(description="Its value now.")
    proposed: int | str | None = Field(
        description="The nearest value that gives another verdict, or None if none does."
    )
    verdict: Verdict | None = Field(description="The verdict at the proposed value.")
    score: float | None = Field(description="The score at the proposed value.")
    hire_proposed: int | str | None = Field(
        default=None,
        description="The nearest value at which a new hire stops (or starts) being needed, or None.",
    )
    hire_needed: bool | None = Field(
        default=None, description="Whether a hire is needed at hire_proposed (the opposite of now)."
    )

    def shown(self) -> dict[str, object]:
        """What a line shows of it, levels in plain words ("very high"; the JSON keeps
        "very_high")."""
        levels = ORDERED_INPUTS.get(self.field)

        def words(value: int | str | None) -> object:
            return value.replace("_", " ") if levels is not None and isinstance(value, str) else value

        return {
            "field": self.field,
            "current": words(self.current),
            "proposed": words(self.proposed),
            "verdict": None if self.verdict is None else self.verdict.value,
            "hire_proposed": words(self.hire_proposed),
        }

    def __str__(self) -> str:
        from .._render import render

        return render(self, "text")


Probe = Callable[[int], object]


def _numeric_flip(
    compiled: CompiledRulebook, values: dict[str, float], name: str, probe: Probe, *, affine: bool
) -> int | None:
    """Nearest whole number of ``name`` where ``probe`` differs from its current value.

    ``affine``: the probed quantity changes at most once between consecutive breakpoints (the
    verdict), so bisect; otherwise it only changes at a breakpoint (the seat), so take it.
    """
    low, high = _valid_range(values, name)
    points = {low, high, *(p for p in compiled.breakpoints(name) if low <= p <= high)}
    current = int(values[name])
    now = probe(current)
    best: int | None = None
    for direction in (-1, 1):
        found = _first_flip(points, current, now, direction, probe, affine=affine)
        if found is not None and (best is None or abs(found - current) < abs(best - current)):
            best = found
    return best


def _first_flip(
    points: set[int], current: int, now: object, direction: int, probe: Probe, *, affine: bool
) -> int | None:
    """Nearest value where ``probe`` stops giving ``now``, walking from ``current`` one way (-1 or 1)."""
    stops = sorted((p for p in points if (p - current) * direction > 0), reverse=direction < 0)
    near = current
    for far in stops:
        if probe(far) != now:
            # The seat steps only where both t - 1 and t are breakpoints, so a change between
            # consecutive breakpoints happens exactly at ``far``.
            return _bisect(probe, now, near, far) if affine else far
        near = far
    return None


def _valid_range(values: dict[str, float], name: str) -> tuple[int, int]:
    """The values ``name`` can take with every other input fixed, in a valid profile."""
    low, high = NUMERIC_BOUNDS[name]
    if name == HEADCOUNT:  # at least as many people as any count of them
        return max(low, *(int(values[count]) for count in HEADCOUNT_BOUNDED)), high
    if name in HEADCOUNT_BOUNDED:
        return low, min(high, int(values[HEADCOUNT]))
    return low, high


def _bisect(probe: Probe, now: object, same: int, other: int) -> int:
    while abs(other - same) > 1:
        middle = (same + other) // 2
        if probe(middle) == now:
            same = middle
        else:
            other = middle
    return other


def _ordered_flip(levels: int, rank: int, probe: Probe) -> int | None:
    now = probe(rank)
    # Nearest level first; on a tie, the higher level.
    for other in sorted((r for r in range(levels) if r != rank), key=lambda r: (abs(r - rank), -r)):
        if probe(other) != now:
            return other
    return None


#: Where a caller that checks the searches' answers lends them a memo of probes (see
#: :func:`shared_probes`); absent otherwise.
_SHARED: Final = "counterfactual_probes"
#: What one probe gives: the verdict, the score and whether a hire is needed.
Probed = tuple[Verdict, float, bool]


@contextmanager
def shared_probes(compiled: CompiledRulebook) -> Iterator[None]:
    """While inside, every probe of ``compiled`` (the searches' and :func:`probe`'s) is
    computed once: the sentence check probes the values the search probed, profile by profile.
    The memo is exact (keyed by every input) and dropped on exit, so nothing outlives the block."""
    compiled.attachments[_SHARED] = {}
    try:
        yield
    finally:
        compiled.attachments.pop(_SHARED, None)


def probe(compiled: CompiledRulebook, values: Mapping[str, float], name: str, x: float) -> Probed:
    """Verdict, score and need of the encoded profile ``values`` (without derived inputs) with
    input ``name`` at ``x``: :meth:`CompiledRulebook.verdict_at` and the seat's ``hire_needed``."""
    moved = {**values, name: x}
    memo: dict[tuple[float, ...], Probed] | None = compiled.attachments.get(_SHARED)
    key = tuple(moved[input] for input in INPUT_NAMES) if memo is not None else ()
    found = memo.get(key) if memo is not None else None
    if found is None:
        seated = compiled.with_seat(moved)
        score = compiled.score_one(seated)[2]
        found = (compiled.verdict_one(score), score, bool(seated["hire_needed"]))
        if memo is not None:
            memo[key] = found
    return found


class _Probes:
    """The profile with one input moved, each value probed once (the verdict's search and the
    need's probe mostly the same values)."""

    def __init__(self, compiled: CompiledRulebook, values: dict[str, float], name: str) -> None:
        self.compiled, self.values, self.name = compiled, values, name
        self._probed: dict[int, Probed] = {}

    def at(self, x: int) -> Probed:
        found = self._probed.get(x)
        if found is None:
            found = self._probed[x] = probe(self.compiled, self.values, self.name, x)
        return found

    def verdict(self, x: int) -> object:
        return self.at(x)[0]

    def hire(self, x: int) -> object:
        return self.at(x)[2]


def _flips(probes: _Probes) -> tuple[int | None, int | None]:
    compiled, values, name = probes.compiled, probes.values, probes.name
    if name in ORDERED_INPUTS:
        count, rank = len(ORDERED_INPUTS[name]), int(values[name])
        return _ordered_flip(count, rank, probes.verdict), _ordered_flip(count, rank, probes.hire)
    return (
        _numeric_flip(compiled, values, name, probes.verdict, affine=True),
        _numeric_flip(compiled, values, name, probes.hire, affine=False),
    )


def _label(name: str, code: int | None) -> int | str | None:
    if code is None or name not in ORDERED_INPUTS:
        return code
    return list(ORDERED_INPUTS[name])[code].value


def counterfactuals(
    result: Recommendation, *, rulebook: Rulebook | None = None
) -> tuple[Counterfactual, ...]:
    """For each input of ``result.profile``, the nearest values that flip the verdict or the need."""
    compiled = compile_rulebook(result.used_rulebook(rulebook=rulebook))
    values = encode_profile(result.profile)
    return tuple(_one(compiled, values, name, getattr(result.profile, name)) for name in INPUT_NAMES)


def _one(compiled: CompiledRulebook, values: dict[str, float], name: str, value: object) -> Counterfactual:
    probes = _Probes(compiled, values, name)
    verdict_at, hire_at = _flips(probes)
    new_verdict, new_score = (None, None)
    if verdict_at is not None:
        new_verdict, new_score, _ = probes.at(verdict_at)
    new_hire = None if hire_at is None else probes.at(hire_at)[2]
    return Counterfactual(
        field=name,
        current=getattr(value, "value", value),  # type: ignore[arg-type]
        proposed=_label(name, verdict_at),
        verdict=new_verdict,
        score=new_score,
        hire_proposed=_label(name, hire_at),
        hire_needed=new_hire,
    )
