// Python sources of the sample project, verbatim.
// Edit them here; `mops-bundle sample-create` writes them byte for byte.

/** standin/modelops_calabaria/__init__.py */
export const STANDIN_CALABARIA = `"""A small stand-in for modelops_calabaria, so this sample runs with the standard library alone.

It mirrors the parts of calabaria's API the sample uses: BaseModel (with outputs
collected by __init_subclass__, inherited from base classes first), model_output,
calibration_target, ParameterSpec/ParameterSpace and ConfigSpec/ConfigurationSpace.
The runner (python3 -m modelops_runner) appends this folder to sys.path only when the
real package cannot be imported, so an installed modelops_calabaria always wins.
"""

import functools

__version__ = "0.0.0+standin"
__all__ = [
    "BaseModel",
    "ConfigSpec",
    "ConfigurationSpace",
    "ParameterSpace",
    "ParameterSpec",
    "calibration_target",
    "model_output",
]


class ParameterSpec:
    """One calibrated parameter: name, bounds, kind ("float" or "int") and a doc string."""

    def __init__(self, name, lower, upper, kind="float", doc=""):
        if kind not in ("float", "int"):
            raise ValueError(f"ParameterSpec {name!r}: kind must be 'float' or 'int', not {kind!r}")
        if lower > upper:
            raise ValueError(f"ParameterSpec {name!r}: lower bound {lower} is above upper bound {upper}")
        self.name = name
        self.lower = lower
        self.upper = upper
        self.kind = kind
        self.doc = doc

    def __repr__(self):
        return f"ParameterSpec({self.name!r}, {self.lower!r}, {self.upper!r}, {self.kind!r})"


class ParameterSpace:
    def __init__(self, specs):
        self.specs = tuple(specs)

    def names(self):
        return [spec.name for spec in self.specs]

    def validate(self, params):
        """Raise ValueError unless \`params\` gives every parameter a value within its bounds."""
        missing = [name for name in self.names() if name not in params]
        if missing:
            raise ValueError(f"missing parameter(s): {', '.join(missing)}")
        for spec in self.specs:
            value = params[spec.name]
            if not spec.lower <= value <= spec.upper:
                raise ValueError(f"parameter {spec.name}={value} is outside [{spec.lower}, {spec.upper}]")


class ConfigSpec:
    """A fixed (not calibrated) setting with a default value."""

    def __init__(self, name, default=None, doc=""):
        self.name = name
        self.default = default
        self.doc = doc


class ConfigurationSpace:
    def __init__(self, specs):
        self.specs = tuple(specs)

    def defaults(self):
        return {spec.name: spec.default for spec in self.specs}


def model_output(name=None, metadata=None):
    """Mark a method \`(self, raw, seed)\` as a model output: @model_output("name"), @model_output(name=...) or bare."""
    if callable(name):
        return _mark_output(name, name.__name__, metadata)
    return lambda fn: _mark_output(fn, name or fn.__name__, metadata)


def _mark_output(fn, name, metadata):
    fn._is_model_output = True
    fn._output_name = name
    fn._output_metadata = dict(metadata or {})
    return fn


def calibration_target(**metadata):
    """Mark a function as a calibration target; it receives \`data_paths\` (the \`data\` mapping)."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            kwargs.setdefault("data_paths", dict(metadata.get("data") or {}))
            return fn(*args, **kwargs)

        wrapper._is_calibration_target = True
        wrapper._target_metadata = dict(metadata)
        return wrapper

    return decorate


class BaseModel:
    """Subclasses set PARAMS (and optionally CONFIG) and implement build_sim and run_sim."""

    PARAMS = None
    CONFIG = None
    DEFAULT_SCENARIO = "baseline"
    _discovered_outputs = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not isinstance(cls.PARAMS, ParameterSpace):
            raise TypeError(f"{cls.__name__}.PARAMS must be a ParameterSpace")
        # Base outputs first, then the class's own, as calabaria does at run time.
        outputs = dict(cls._discovered_outputs)
        for attr, value in vars(cls).items():
            if getattr(value, "_is_model_output", False):
                outputs[value._output_name] = attr
        cls._discovered_outputs = outputs

    def build_sim(self, params, config):
        raise NotImplementedError

    def run_sim(self, state, seed):
        raise NotImplementedError

    def simulate(self, params, seed=0, config=None):
        """Run once and return {output name: table}."""
        self.PARAMS.validate(params)
        settings = self.CONFIG.defaults() if self.CONFIG is not None else {}
        settings.update(config or {})
        raw = self.run_sim(self.build_sim(dict(params), settings), seed)
        return {name: getattr(self, attr)(raw, seed) for name, attr in self._discovered_outputs.items()}
`

/** models/__init__.py */
export const MODELS_INIT = `"""SIR models of the sample project (see sir.py)."""
`

/** models/common.py */
export const MODELS_COMMON = `"""Helpers shared by the SIR models: calendar days, binomial draws and output tables.

Every output table is a list of rows with \`day\` (0-based) and \`date\` (ISO, day 0 =
START_DATE, the first date of data/data.csv) so outputs and observed data line up.
"""

import datetime
import math

START_DATE = datetime.date(2024, 1, 1)


def date_of(day):
    return (START_DATE + datetime.timedelta(days=day)).isoformat()


def draw_binomial(rng, n, p):
    """Binomial(n, p) from \`rng\` alone (stdlib, reproducible): exact for small means, normal beyond."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    mean = n * p
    if mean < 30.0:
        # Inversion: walk the pmf from k = 0; q**n stays far from underflow because mean < 30.
        q = 1.0 - p
        u = rng.random()
        k, pmf = 0, q**n
        cdf = pmf
        while u > cdf and k < n:
            pmf *= (n - k) / (k + 1) * p / q
            k += 1
            cdf += pmf
        return k
    draw = round(rng.gauss(mean, math.sqrt(mean * (1.0 - p))))
    return min(n, max(0, draw))


def table(raw, **columns):
    """One row per simulated day: day, date, then each column computed from that day's record."""
    return [
        dict({"day": rec["day"], "date": date_of(rec["day"])}, **{name: fn(rec) for name, fn in columns.items()})
        for rec in raw["days"]
    ]
`

/** models/sir.py */
export const MODELS_SIR = `"""Basic SIR epidemiological models using modelops-calabaria.

StochasticSIR    chain-binomial simulation, reproducible from the seed
DeterministicSIR the mean-field equations, integrated in small Euler steps
NetworkSIR       StochasticSIR with heterogeneous contacts (inherits its outputs)

Each model has the outputs "incidence" (new cases per day), "prevalence" (fraction
infected) and "sir" (compartment sizes), one row per day.
"""

import math
import random

import modelops_calabaria as cb

from models.common import draw_binomial, table

SIR_PARAMS = cb.ParameterSpace(
    (
        cb.ParameterSpec("beta", 0.05, 1.5, "float", doc="Transmission rate per day"),
        cb.ParameterSpec("gamma", 0.02, 0.5, "float", doc="Recovery rate per day"),
    )
)

SIR_CONFIG = cb.ConfigurationSpace(
    (
        cb.ConfigSpec("population", default=100000, doc="Total population size"),
        cb.ConfigSpec("initial_infected", default=20, doc="Infected on day 0"),
        cb.ConfigSpec("days", default=200, doc="Simulated days"),
    )
)


class StochasticSIR(cb.BaseModel):
    """SIR with binomial transitions each day."""

    PARAMS = SIR_PARAMS
    CONFIG = SIR_CONFIG
    # The point the runner simulates when no parameters are given.
    BASELINE = {"beta": 0.5, "gamma": 0.1}

    def build_sim(self, params, config):
        return {
            "beta": float(params["beta"]),
            "gamma": float(params["gamma"]),
            "population": int(config["population"]),
            "initial_infected": int(config["initial_infected"]),
            "days": int(config["days"]),
        }

    def infection_pressure(self, state, s, i, n):
        """Per-susceptible hazard of infection for one day."""
        return state["beta"] * i / n

    def run_sim(self, state, seed):
        rng = random.Random(seed)
        n = state["population"]
        i = min(n, state["initial_infected"])
        s, r = n - i, 0
        p_recover = 1.0 - math.exp(-state["gamma"])
        days = []
        for day in range(state["days"]):
            p_infect = 1.0 - math.exp(-self.infection_pressure(state, s, i, n))
            cases = draw_binomial(rng, s, p_infect)
            recoveries = draw_binomial(rng, i, p_recover)
            s, i, r = s - cases, i + cases - recoveries, r + recoveries
            days.append({"day": day, "S": s, "I": i, "R": r, "cases": cases})
        return {"population": n, "days": days}

    @cb.model_output("incidence")
    def incidence(self, raw, seed):
        return table(raw, cases=lambda d: d["cases"])

    @cb.model_output("prevalence")
    def prevalence(self, raw, seed):
        return table(raw, prevalence=lambda d: round(d["I"] / raw["population"], 6))

    @cb.model_output("sir")
    def compartments(self, raw, seed):
        return table(raw, S=lambda d: d["S"], I=lambda d: d["I"], R=lambda d: d["R"])


class DeterministicSIR(cb.BaseModel):
    """The SIR equations dS = -beta S I / N, dI = beta S I / N - gamma I; the seed is ignored."""

    PARAMS = SIR_PARAMS
    CONFIG = SIR_CONFIG
    BASELINE = {"beta": 0.5, "gamma": 0.1}
    STEPS_PER_DAY = 20

    def build_sim(self, params, config):
        return {
            "beta": float(params["beta"]),
            "gamma": float(params["gamma"]),
            "population": float(config["population"]),
            "initial_infected": float(config["initial_infected"]),
            "days": int(config["days"]),
        }

    def run_sim(self, state, seed):
        n, beta, gamma = state["population"], state["beta"], state["gamma"]
        i = min(n, state["initial_infected"])
        s, r = n - i, 0.0
        dt = 1.0 / self.STEPS_PER_DAY
        days = []
        for day in range(state["days"]):
            cases = 0.0
            for _ in range(self.STEPS_PER_DAY):
                infections = beta * s * i / n * dt
                recoveries = gamma * i * dt
                s, i, r = s - infections, i + infections - recoveries, r + recoveries
                cases += infections
            days.append({"day": day, "S": s, "I": i, "R": r, "cases": cases})
        return {"population": n, "days": days}

    @cb.model_output("incidence")
    def incidence(self, raw, seed):
        return table(raw, cases=lambda d: round(d["cases"], 3))

    @cb.model_output("prevalence")
    def prevalence(self, raw, seed):
        return table(raw, prevalence=lambda d: round(d["I"] / raw["population"], 6))

    @cb.model_output("sir")
    def compartments(self, raw, seed):
        return table(raw, S=lambda d: round(d["S"], 3), I=lambda d: round(d["I"], 3), R=lambda d: round(d["R"], 3))


class NetworkSIR(StochasticSIR):
    """StochasticSIR on a contact network: well-connected people are infected first, so the
    pressure falls faster than in a well-mixed population (S/N raised to network_effect - 1)."""

    PARAMS = cb.ParameterSpace(
        SIR_PARAMS.specs
        + (cb.ParameterSpec("network_effect", 1.0, 3.0, "float", doc="Contact heterogeneity (1 = well mixed)"),)
    )
    BASELINE = {"beta": 0.5, "gamma": 0.1, "network_effect": 1.2}

    def build_sim(self, params, config):
        state = super().build_sim(params, config)
        state["network_effect"] = float(params["network_effect"])
        return state

    def infection_pressure(self, state, s, i, n):
        k = state["network_effect"]
        return k * state["beta"] * i / n * (s / n) ** (k - 1.0)
`

/** targets/__init__.py */
export const TARGETS_INIT = `"""Calibration targets of the sample project (see epi.py)."""
`

/** targets/epi.py */
export const TARGETS_EPI = `"""Calibration targets: observed data the SIR models are fitted to.

Each target names the model output it is compared with and the data files it reads
(paths relative to the project root). Observed tables share the \`date\` column and the
value column of their output (\`cases\` for incidence, \`prevalence\` for prevalence), so
a dashboard can overlay observations on simulated outputs.
"""

import csv

import modelops_calabaria as cb


def read_observations(path, column):
    """Rows of {date, <column>} from a CSV file, in file order."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [{"date": row["date"], column: float(row[column])} for row in csv.DictReader(handle)]


@cb.calibration_target(model_output="incidence", data={"observed": "data/data.csv"})
def incidence_target(data_paths):
    """Daily reported cases of the first 15 days against simulated daily incidence."""
    return {"x": "date", "y": "cases", "observed": read_observations(data_paths["observed"], "cases")}


@cb.calibration_target(
    name="prevalence_survey",
    model_output="prevalence",
    data={"observed": "data/prevalence.csv"},
)
def prevalence_target(data_paths):
    """Weekly prevalence survey (fraction infected) against simulated prevalence."""
    return {"x": "date", "y": "prevalence", "observed": read_observations(data_paths["observed"], "prevalence")}
`

/** modelops_runner/__init__.py */
export const RUNNER_INIT = `"""Runs one model of this project and writes its outputs (see __main__.py)."""

import sys

# Keep the project tree free of __pycache__ folders: outputs depend on sources only.
sys.dont_write_bytecode = True
`

/** modelops_runner/__main__.py */
export const RUNNER_MAIN = `"""Simulate one registered model and write each output as <output>.json.

The modelops-bundle build plugin runs this from the project root (see generator: in
.modelops-bundle/config.yaml) with these environment variables:

  MODELOPS_ENTRYPOINT    models.sir:StochasticSIR (required, or give it as the first argument)
  MODELOPS_OUT_DIR       folder for the output files (required, or --out)
  MODELOPS_MODEL_ID      registry id (not written: outputs depend only on what the cache key covers)
  MODELOPS_MODEL_DIGEST  composite digest of the model, recorded in each file

Options: --seed N (default 42) and --params JSON (overrides the model's BASELINE). They are
arguments, not environment variables, so that in config.yaml they are part of the generator
command and so of the build cache key.

By hand:  python3 -m modelops_runner models.sir:DeterministicSIR --out out/ --seed 7
Each file holds {"output", "entrypoint", "model_digest", "seed", "params", "columns", "rows"};
rows carry \`day\` and \`date\` like the observed data in data/.
"""

import argparse
import importlib
import json
import os
import pathlib
import sys

STANDIN = pathlib.Path(__file__).resolve().parent.parent / "standin"


def ensure_calabaria():
    """Use the installed modelops_calabaria; fall back to the stdlib stand-in in standin/."""
    try:
        import modelops_calabaria  # noqa: F401
    except ImportError:
        sys.path.append(str(STANDIN))


def load_class(entrypoint):
    module_name, sep, class_name = entrypoint.partition(":")
    if not sep or not module_name or not class_name:
        raise SystemExit(f"modelops_runner: entrypoint must look like package.module:ClassName, got {entrypoint!r}")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    module = importlib.import_module(module_name)
    try:
        return getattr(module, class_name)
    except AttributeError:
        raise SystemExit(f"modelops_runner: {module_name} has no class {class_name}") from None


def output_methods(cls):
    """{output name: method name}, base classes first (the order calabaria uses)."""
    found = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            if getattr(value, "_is_model_output", False):
                found[value._output_name] = attr
    return found


def config_defaults(cls):
    space = getattr(cls, "CONFIG", None)
    if space is None:
        return {}
    if hasattr(space, "defaults"):
        return dict(space.defaults())
    return {spec.name: spec.default for spec in getattr(space, "specs", ())}


def as_rows(table):
    if hasattr(table, "to_dicts"):  # a polars DataFrame from the real calabaria stack
        return table.to_dicts()
    if hasattr(table, "to_dict"):  # pandas
        return table.to_dict(orient="records")
    return list(table)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m modelops_runner", description=__doc__.split("\\n")[0])
    parser.add_argument("entrypoint", nargs="?", default=os.environ.get("MODELOPS_ENTRYPOINT"))
    parser.add_argument("--out", default=os.environ.get("MODELOPS_OUT_DIR"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--params", default="{}", help="JSON object of parameter values")
    args = parser.parse_args(argv)
    if not args.entrypoint:
        parser.error("no entrypoint: set MODELOPS_ENTRYPOINT or pass package.module:ClassName")
    if not args.out:
        parser.error("no output folder: set MODELOPS_OUT_DIR or pass --out DIR")

    ensure_calabaria()
    cls = load_class(args.entrypoint)
    params = dict(getattr(cls, "BASELINE", {}))
    try:
        params.update(json.loads(args.params))
    except (ValueError, TypeError) as exc:
        parser.error(f"--params must be a JSON object: {exc}")
    model = cls()
    raw = model.run_sim(model.build_sim(params, config_defaults(cls)), args.seed)

    out_dir = pathlib.Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = output_methods(cls)
    if not outputs:
        raise SystemExit(f"modelops_runner: {args.entrypoint} has no @model_output methods")
    for name, attr in outputs.items():
        rows = as_rows(getattr(model, attr)(raw, args.seed))
        document = {
            "output": name,
            "entrypoint": args.entrypoint,
            "model_digest": os.environ.get("MODELOPS_MODEL_DIGEST"),
            "seed": args.seed,
            "params": params,
            "columns": list(rows[0]) if rows else [],
            "rows": rows,
        }
        # Sorted keys, fixed separators: the same run writes the same bytes.
        text = json.dumps(document, sort_keys=True, separators=(",", ":")) + "\\n"
        (out_dir / f"{name}.json").write_text(text, encoding="utf-8")
    print(f"modelops_runner: {args.entrypoint} -> {', '.join(f'{n}.json' for n in outputs)} in {out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
`
