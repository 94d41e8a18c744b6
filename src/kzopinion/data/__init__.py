"""The data layer: the data package and everything that reads it.

- :mod:`kzopinion.data.package`: load any table of ``data/datapackage.json`` by name, validated
  against its checksum, by frictionless against its schema, and by the project's own rules
  (re-exported here: ``from kzopinion import data; data.load(...)``);
- :mod:`kzopinion.data.schema`: the harmonised respondent-level schema and its codings;
- :mod:`kzopinion.data.microdata`: respondent-level data as notebooks and chapters get it (``load``):
  registered files in the microdata edition, the simulated stand-in otherwise;
- :mod:`kzopinion.data.register`: registering respondent-level files (``make data``);
- :mod:`kzopinion.data.registry`: what is registered (the manifest, checksums, problems, status);
- :mod:`kzopinion.data.readers`: reading Stata, SPSS and Excel files, CAB files and their checks;
- :mod:`kzopinion.data.harmonise`: the mappings, harmonising to the canonical schema, coverage;
- :mod:`kzopinion.data.simulate`: the stand-in respondents used when no file is registered;
- :mod:`kzopinion.data.provenance`: values traced to the table cells they come from.

Command line: ``python -m kzopinion.data check|rehash`` and ``python -m kzopinion.data.microdata`` (registering files).
"""

from kzopinion.data.package import (
    LOADED,
    MAX_TABLE_BYTES,
    PACKAGE_SCHEMA,
    TABLE_CHECKS,
    VALID_PACKAGE,
    DataValidationError,
    canonical_text,
    entry_digest,
    load,
    package,
    rehash,
    resource,
    resource_names,
    sha256,
    valid_state,
    validate_all,
    validate_standard,
)

__all__ = [
    "LOADED",
    "MAX_TABLE_BYTES",
    "PACKAGE_SCHEMA",
    "TABLE_CHECKS",
    "VALID_PACKAGE",
    "DataValidationError",
    "canonical_text",
    "entry_digest",
    "load",
    "package",
    "rehash",
    "resource",
    "resource_names",
    "sha256",
    "valid_state",
    "validate_all",
    "validate_standard",
]
