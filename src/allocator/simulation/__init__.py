"""Monte Carlo engine: chunked, seeded by block, merged exactly."""

from allocator.simulation.results import SeriesStats, SimulationResult
from allocator.simulation.run import simulate

__all__ = ["SeriesStats", "SimulationResult", "simulate"]
