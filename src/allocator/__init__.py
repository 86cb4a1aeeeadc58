"""allocator: how much US small caps next to US large caps, and how to rebalance."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("allocator")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

from allocator.scenario import load_scenario

__all__ = ["__version__", "load_scenario", "simulate"]


def __getattr__(name: str) -> object:
    # simulate pulls in the engine; keep `import allocator` (and the CLI's start-up) light.
    if name == "simulate":
        from allocator.simulation import simulate

        return simulate
    raise AttributeError(name)
