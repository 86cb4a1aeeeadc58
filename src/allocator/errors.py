"""The error hierarchy. The CLI maps each class to an exit code and prints one line.

``AllocatorError``
    ├── ``InputError`` (exit 2: the user's file, field or option is wrong)
    │     ├── ``ScenarioError``  a scenario file does not load or validate
    │     └── ``DataError``      a CSV of returns or prices is unusable
    └── ``OptimizationError`` (exit 1: the request is well formed but cannot be met)
          ├── ``InfeasibleError``
          └── ``SolverFailedError``
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class AllocatorError(Exception):
    """Root of every error a user can cause; never shown with a traceback."""

    exit_code = 1


class InputError(AllocatorError):
    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what was expected and found."""

    file: str
    field: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ScenarioError(InputError):
    """A scenario file is unreadable or invalid; carries one ``Problem`` per line of output."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DataError(InputError):
    pass


class OptimizationError(AllocatorError):
    exit_code = 1


class InfeasibleError(OptimizationError):
    pass


class SolverFailedError(OptimizationError):
    pass
