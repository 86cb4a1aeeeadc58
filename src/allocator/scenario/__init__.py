"""The scenario language: schema, safe YAML loading with locations, validation."""

from allocator.scenario.loader import (
    is_outlook_file,
    load_outlook,
    load_scenario,
    scenario_hash,
)
from allocator.scenario.schema import Outlook, Scenario, scenario_json_schema

__all__ = [
    "Outlook",
    "Scenario",
    "is_outlook_file",
    "load_outlook",
    "load_scenario",
    "scenario_hash",
    "scenario_json_schema",
]
