"""Respondent-level survey data as the notebooks and chapters get it: :func:`load`.

:func:`load` is the one switch: real respondents when a source is registered, the documented
simulated stand-in (:mod:`kzopinion.data.simulate`) otherwise, and it says which
(:class:`Respondents`). Registered files are used only in the microdata edition of the book
(:mod:`kzopinion.book.editions`); in the repository itself, the public edition whose records are
committed, :func:`load` always gives the stand-in (see :func:`edition`).

The rest of the respondent-level layer: registering files, :mod:`kzopinion.data.register`
(``make data`` runs ``python -m kzopinion.data.microdata``, which hands over to its ``main``);
the record of what is registered, :mod:`kzopinion.data.registry`; reading and checking files,
:mod:`kzopinion.data.readers`; mapping them to the canonical schema, :mod:`kzopinion.data.harmonise`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kzopinion import paths
from kzopinion.data.readers import read_registered
from kzopinion.data.registry import SOURCES, MicrodataError, manifest

EDITION_VARIABLE = "KZOPINION_EDITION"
EDITION_MARKER = ".kzopinion-edition"


def is_mirror(root: Path | None = None) -> bool:
    """Whether ``root`` is the microdata edition's tree (see :mod:`kzopinion.book.editions`)."""
    return ((root or paths.root()) / EDITION_MARKER).is_file()


def edition(root: Path | None = None) -> str:
    """Which edition ``root`` computes: 'microdata' (registered files used) or 'public' (never).

    The repository itself is the public edition, whose records are committed: registered
    files are used only in the microdata edition's tree (``_build/microdata-edition/``,
    marked by :data:`EDITION_MARKER`), so they can never leak into a committed record.
    ``KZOPINION_EDITION=public`` or ``=microdata`` overrides this (the tests use both).
    """
    chosen = edition_setting()
    if chosen:
        return chosen
    return "microdata" if is_mirror(root) else "public"


def edition_setting() -> str:
    """``KZOPINION_EDITION`` as given: 'public', 'microdata' or '' (unset); any other value raises
    :class:`MicrodataError` naming the variable, the value and what it accepts (:func:`kzopinion.paths.setting`)."""
    try:
        return str(paths.setting(EDITION_VARIABLE) or "")
    except paths.SettingError as err:
        raise MicrodataError(str(err)) from None


def is_registered(source: str, root: Path | None = None) -> bool:
    """Whether ``source`` has registered files this edition uses (never in the public edition)."""
    return edition(root) == "microdata" and bool(manifest(root).get(source))


def describe_waves(waves) -> str:
    """'wave 1', 'waves 1-6', 'waves 1, 3 and 5'."""
    from kzopinion.formatting import span

    return span("wave", waves)


@dataclass
class Respondents:
    """Respondent-level data and where it came from."""

    frame: pd.DataFrame
    source: str
    simulated: bool
    description: str
    files: dict[str, str] = field(default_factory=dict)  # registered file name -> sha256

    @property
    def tier(self) -> str:
        return "simulated" if self.simulated else "microdata"

    @property
    def waves(self) -> list[int]:
        """The CAB waves present (empty for other sources)."""
        if "wave" not in self.frame or self.frame["wave"].isna().all():
            return []
        return sorted(int(w) for w in self.frame["wave"].dropna().unique())

    @property
    def label(self) -> str:
        """How the prose names the data, e.g. 'CAB microdata (wave 1)' or 'the simulated stand-in for CAB'."""
        name = self.source.upper() if self.source != "gallup" else "Gallup"
        if self.simulated:
            return f"the simulated stand-in for {name}"
        return f"{name} microdata ({describe_waves(self.waves)})" if self.waves else f"{name} microdata"

    @property
    def inputs(self) -> list[str]:
        """What results computed from these respondents depend on, for the claims ledger."""
        return ["simulation_parameters"] if self.simulated else [f"microdata:{self.source}"]


def load(source: str, scenario: str = "engagement", seed: int = 20210701, root: Path | None = None) -> Respondents:
    """Real respondents of ``source`` when registered; the simulated stand-in otherwise."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    if is_registered(source, root):
        frame = read_registered(source, root)
        files = dict(sorted(manifest(root).get(source, {}).items()))
        respondents = Respondents(frame, source, False, "", files)
        waves = f"{describe_waves(respondents.waves)}, " if respondents.waves else ""
        respondents.description = f"{source.upper()} microdata ({waves}{len(frame):,} respondents)"
        return respondents
    from kzopinion.data import simulate

    frame = simulate.respondents(source, scenario=scenario, seed=seed, root=root)
    return Respondents(
        frame,
        source,
        True,
        f"SIMULATED stand-in for {source.upper()} ({scenario} scenario, "
        f"seed {seed}, {len(frame):,} synthetic respondents)",
    )


if __name__ == "__main__":
    from kzopinion.data import register

    sys.exit(register.main())
