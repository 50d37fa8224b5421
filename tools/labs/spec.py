"""What a lab's grading is made of: questions, checks, calls, and how verdicts are reached.

A lab's ``grading.py`` (in ``assignments/<lab>/``, never copied into a sandbox) builds a
:class:`Lab` from :class:`Question` objects. Each question is worth the sum of its
checks' points. A check names the calls to make on the student's functions (with the
grader's inputs) and the variables to export; the sandbox returns the values; the
check's ``verdict`` runs in the grader's process and raises :class:`Fail` to refuse.

Two kinds of check:

* :class:`Check` with ``public=True`` or ``False``: explicit calls and a verdict. Public
  ones repeat a check the student can run in the notebook, and their message reaches the
  student's feedback; hidden ones are reported to the student only as a count.
* :class:`LibraryCheck`: one of ``softmax_lib.exercises``' checkers, the one the student
  runs in the notebook. The grader first runs the checker on a correct reference
  function to learn which calls it makes, has the sandbox make the same calls on the
  student's function, then runs the checker again in its own process on a stand-in that
  replays the student's outputs (and any change the student's function made to its
  inputs). The checker's verdict is the library's, reached outside the sandbox.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import os
import pickle
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from softmax_lib.exercises import ExerciseCheckError


def hidden_rng(default_seed: int) -> np.random.Generator:
    """The generator of a lab's hidden random inputs: from ``LABS_HIDDEN_SEED`` (a number
    of the instructor's own, so that the inputs are not the ones in the public repository)
    combined with the lab's seed, or from the lab's seed alone."""
    seed = os.environ.get("LABS_HIDDEN_SEED", "").strip()
    if not seed:
        return np.random.default_rng(default_seed)
    if not seed.isdigit():
        raise SystemExit(f"LABS_HIDDEN_SEED must be a whole number >= 0, not {seed!r}")
    return np.random.default_rng([int(seed), default_seed])


class Fail(Exception):
    """A check's verdict: the student's values are not what the question asks."""


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple
    strict: bool = False  # overflow, invalid and divide are errors (like the checkers)


class StudentError(Exception):
    """The student's function raised, or was missing, when the sandbox called it."""


def safe_name(text: Any, default: str = "Error") -> str:
    """A name that came from the sandbox, kept only if it is a short identifier: text a
    submission controls never reaches the CSV or the feedback as prose."""
    return text if isinstance(text, str) and text.isidentifier() and len(text) <= 60 \
        else default


def student_error(name: str, message: str = "") -> StudentError:
    """An exception named like the student's (``NotImplementedError``...), so that the
    checkers' messages read as they do in the notebook. Its message is dropped: a
    submission could put "Total Score: 16 / 16" in it."""
    return type(safe_name(name), (StudentError,), {})("")


@dataclass
class Missing:
    name: str


def decode(data: Any, depth: int = 0) -> Any:
    """Rebuild a value from the harness's JSON: only numbers, strings and containers."""
    if depth > 8:
        raise ValueError("nested too deeply")
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [decode(v, depth + 1) for v in data]
    if not isinstance(data, dict):
        raise ValueError("unexpected value")
    if "ndarray" in data:
        dtype = {"bool": bool, "int64": np.int64, "float64": np.float64}[data["dtype"]]
        shape = tuple(int(n) for n in data["shape"])
        flat = np.array(data["ndarray"], dtype=dtype)
        if flat.ndim != 1 or flat.size != int(np.prod(shape)):
            raise ValueError("array data does not match its shape")
        return flat.reshape(shape)
    if "tuple" in data:
        return tuple(decode(v, depth + 1) for v in data["tuple"])
    if "dict" in data:
        return {str(k): decode(v, depth + 1) for k, v in data["dict"].items()}
    if "error" in data:
        return student_error(str(data["error"]), str(data.get("message", "")))
    if "missing" in data:
        return Missing(str(data["missing"]))
    if "unsupported" in data:
        return StudentError("returned a value that is not numbers, arrays, tuples, lists "
                            "or dicts")
    raise ValueError("unexpected value")


def value(outcome: Any, what: str = "the function") -> Any:
    """The value of an outcome, or :class:`Fail` if the call raised or the name is missing."""
    if isinstance(outcome, Missing):
        raise Fail(f"`{outcome.name}` is not defined (renamed or deleted?)")
    if isinstance(outcome, StudentError):
        raise Fail(f"{what} raised {type(outcome).__name__} {outcome}".rstrip())
    return outcome


def expect_close(actual: Any, expected: Any, what: str, rtol: float = 1e-7,
                 atol: float = 1e-10) -> None:
    try:
        actual = np.asarray(actual, dtype=float)
    except (TypeError, ValueError) as error:
        raise Fail(f"{what} is not an array of numbers") from error
    expected = np.asarray(expected, dtype=float)
    if actual.shape != expected.shape:
        raise Fail(f"{what} has shape {actual.shape}, expected {expected.shape}")
    if not np.all(np.isfinite(actual)):
        raise Fail(f"{what} contains inf or nan")
    if not np.allclose(actual, expected, rtol=rtol, atol=atol):
        raise Fail(f"{what} differs from the expected value by up to "
                   f"{np.max(np.abs(actual - expected)):.3g}")


@dataclass
class Check:
    description: str
    points: float
    calls: Sequence[Call] = ()
    exports: Sequence[str] = ()
    verdict: Callable[..., None] = lambda outcomes, exports: None
    public: bool = False

    def planned_calls(self) -> list[Call]:
        return list(self.calls)

    def judge(self, outcomes: list[Any], exports: dict[str, Any]) -> str | None:
        """None if the check passes, else a message (for the instructor, or public)."""
        try:
            self.verdict(outcomes, exports)
        except Fail as failure:
            return str(failure)
        except Exception as error:  # odd values that the verdict's arithmetic rejects
            return f"unexpected output ({type(error).__name__}: {str(error)[:200]})"
        return None


def _key(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return ("nd", value.dtype.str, value.shape, hashlib.sha1(value.tobytes()).hexdigest())
    if isinstance(value, tuple | list):
        return (type(value).__name__, tuple(_key(v) for v in value))
    return (type(value).__name__, repr(value))


@dataclass
class LibraryCheck(Check):
    """A ``softmax_lib.exercises`` checker, replayed on the student's outputs."""

    checker: Callable[[Callable], None] | None = None
    function: str = ""
    reference: Callable | None = None
    public: bool = True
    _recorded: list[Call] = field(default_factory=list)

    def planned_calls(self) -> list[Call]:
        if not self._recorded:
            def recorder(*args: Any) -> Any:
                strict = np.geterr()["over"] == "raise"
                self._recorded.append(Call(self.function, copy.deepcopy(args), strict))
                return self.reference(*args)

            with contextlib.redirect_stdout(io.StringIO()):
                self.checker(recorder)
        return list(self._recorded)

    def judge(self, outcomes: list[Any], exports: dict[str, Any],
              args_after: list[list[Any]] | None = None) -> str | None:
        calls = self.planned_calls()
        if any(isinstance(o, Missing) for o in outcomes):
            return f"`{self.function}` is not defined (renamed or deleted?)"
        queues: dict[Any, deque[int]] = {}
        for index, call in enumerate(calls):
            queues.setdefault(_key(call.args), deque()).append(index)

        def stand_in(*args: Any) -> Any:
            queue = queues.get(_key(args))
            if not queue:
                raise ExerciseCheckError("the inputs changed between calls (modified in place?)")
            index = queue.popleft()
            for arg, after in zip(args, (args_after or [[]] * len(calls))[index], strict=False):
                if isinstance(arg, np.ndarray) and isinstance(after, np.ndarray) \
                        and after.shape == arg.shape:
                    np.copyto(arg, after, casting="unsafe")
            outcome = outcomes[index]
            if isinstance(outcome, StudentError):
                raise outcome
            return copy.deepcopy(outcome)

        try:
            with contextlib.redirect_stdout(io.StringIO()):
                self.checker(stand_in)
        except ExerciseCheckError as failure:
            return str(failure)
        except Exception as error:
            return f"unexpected output ({type(error).__name__}: {str(error)[:200]})"
        return None


@dataclass
class Question:
    id: str  # the CSV column, e.g. "q1_stable_softmax"
    title: str
    checks: list[Check]

    @property
    def points(self) -> float:
        return sum(check.points for check in self.checks)


@dataclass
class Written:
    id: str  # the grade_id of the answer cell in the notebook
    title: str
    points: float


@dataclass
class Lab:
    name: str
    title: str
    questions: list[Question]
    written: list[Written]
    notebook_seconds: int = 60
    cell_seconds: int = 20
    call_seconds: int = 10
    minutes: str = ""  # time a student needs, for the instructors page

    @property
    def max_points(self) -> float:
        return sum(q.points for q in self.questions)


def pickled(args: tuple) -> bytes:
    return pickle.dumps(args)
