"""How every command reports a failure a user can cause: one line per problem on stderr,
prefixed ``error:``, and the error's exit code (2 bad input, 1 cannot be met); no traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from allocator.errors import AllocatorError

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Run a command; turn an ``AllocatorError`` into its lines and exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AllocatorError as exc:
            for line in str(exc).splitlines() or [type(exc).__name__]:
                click.echo(f"error: {line}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]
