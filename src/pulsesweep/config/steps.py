"""The workflow's steps and the config keys each one reads: one declaration per step.

Every step function works on :meth:`Step.view` of the resolved config, which holds only
the keys the step declares and refuses any other with :class:`UndeclaredConfigKey`; the
step's Snakemake rule takes :meth:`Step.params`, the same keys in canonical form (sorted
at every level), as its params. So a rule re-runs exactly when a key its step reads
changes (Snakemake's ``params`` rerun trigger), never because keys were reordered, and a
step that starts reading a new key fails in the tests until the key is declared.

The files a step writes carry the same keys as their ``config`` attribute: the part of
the config that made them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "STEPS",
    "ConfigView",
    "Step",
    "StepName",
    "UndeclaredConfigKey",
    "canonical",
]

StepName = Literal[
    "simulate", "aggregate", "examples", "theory_curves", "figures", "example_figure"
]


class UndeclaredConfigKey(RuntimeError):
    """A step read a config key that its declaration in :data:`STEPS` leaves out."""


def canonical(value: Any) -> Any:
    """``value`` with every mapping a plain ``dict`` in sorted key order (lists keep theirs).

    Two configs that differ only in key order have equal canonical forms, with equal
    ``repr``, which is what Snakemake compares for its ``params`` rerun trigger.
    """
    if isinstance(value, Mapping):
        return {str(key): canonical(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    return value


class ConfigView(dict[str, Any]):
    """The declared keys of a resolved config; reading an undeclared one is an error.

    A ``dict`` (so that it copies, compares and serialises as one) whose missing keys
    raise :class:`UndeclaredConfigKey` when the full config has them.
    """

    def __init__(
        self, declared: Mapping[str, Any], full: Mapping[str, Any], step: str, prefix: str = ""
    ) -> None:
        super().__init__(declared)
        self._full, self._step, self._prefix = full, step, prefix

    def __missing__(self, key: str) -> Any:
        if key in self._full:
            raise UndeclaredConfigKey(
                f"the {self._step} step read config key {self._prefix}{key}, which "
                f"pulsesweep.config.steps.STEPS[{self._step!r}] does not declare: add it there"
            )
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self or key in self._full else default


@dataclass(frozen=True)
class Step:
    """A workflow step and the config keys it reads, as dotted paths.

    A path names a whole section (``"network"``) or one key (``"sweep.kernels"``).
    """

    name: StepName
    reads: tuple[str, ...]

    def params(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The declared keys of ``config``, canonical: the rule's params."""
        selected: dict[str, Any] = {}
        for path in self.reads:
            *parents, leaf = path.split(".")
            source, target = config, selected
            for part in parents:
                source, target = source[part], target.setdefault(part, {})
            target[leaf] = source[leaf]
        result: dict[str, Any] = canonical(selected)
        return result

    def view(self, config: Mapping[str, Any]) -> ConfigView:
        """The declared keys of ``config``; reading any other key raises."""
        return self._restrict(self.params(config), config, "")

    def _restrict(
        self, declared: Mapping[str, Any], full: Mapping[str, Any], prefix: str
    ) -> ConfigView:
        children = {
            key: value
            if f"{prefix}{key}" in self.reads or not isinstance(value, Mapping)
            else self._restrict(value, full[key], f"{prefix}{key}.")
            for key, value in declared.items()
        }
        return ConfigView(children, full, self.name, prefix)


#: What each step reads. ``simulate`` leaves out ``simulation.seeds`` (a job's seeds are
#: in its selection), so adding a seed re-runs only the jobs that hold it.
STEPS: dict[StepName, Step] = {
    "simulate": Step(
        "simulate",
        (
            "kernels",
            "models",
            "network",
            "pulses",
            "simulation.duration_s",
            "simulation.dt_ms",
            "simulation.method",
            "simulation.target",
        ),
    ),
    "aggregate": Step(
        "aggregate",
        ("kernels", "models", "network", "simulation", "pulses", "sweep", "analysis"),
    ),
    "examples": Step(
        "examples",
        (
            "kernels",
            "models",
            "network",
            "simulation",
            "pulses",
            "sweep.kernels",
            "analysis.window_ms",
            "figures.example_height_nA",
            "figures.example_width_ms",
        ),
    ),
    "theory_curves": Step(
        "theory_curves",
        (
            "kernels",
            "models",
            "network",
            "sweep.kernels",
            "sweep.heights_nA",
            "sweep.widths_ms",
            "analysis",
            "figures.prc_height_nA",
            "figures.prc_width_ms",
        ),
    ),
    "figures": Step(
        "figures",
        ("kernels", "models", "network", "simulation", "pulses", "sweep", "analysis", "figures"),
    ),
    "example_figure": Step("example_figure", ("figures.formats",)),
}
