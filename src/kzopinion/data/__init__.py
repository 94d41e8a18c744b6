"""The data layer: the data package and everything that reads it.

- :mod:`kzopinion.data.package`: load any table of ``data/datapackage.json`` by name, validated
  against its checksum, by frictionless against its schema, and by the project's own rules
  (re-exported here: ``from kzopinion import data; data.load(...)``);
- :mod:`kzopinion.data.schema`: the harmonised respondent-level schema and its codings;
- :mod:`kzopinion.data.microdata`: registration and loading of respondent-level files;
- :mod:`kzopinion.data.simulate`: the stand-in respondents used when no file is registered;
- :mod:`kzopinion.data.provenance`: values traced to the table cells they come from.

Command line: ``python -m kzopinion.data check|rehash`` and ``python -m kzopinion.data.microdata``.
"""

from kzopinion.data.package import (
    LOADED,
    MAX_TABLE_BYTES,
    PACKAGE_SCHEMA,
    TABLE_CHECKS,
    DataValidationError,
    canonical_text,
    entry_digest,
    load,
    package,
    rehash,
    resource,
    resource_names,
    sha256,
    validate_all,
    validate_standard,
)

__all__ = [
    "LOADED",
    "MAX_TABLE_BYTES",
    "PACKAGE_SCHEMA",
    "TABLE_CHECKS",
    "DataValidationError",
    "canonical_text",
    "entry_digest",
    "load",
    "package",
    "rehash",
    "resource",
    "resource_names",
    "sha256",
    "validate_all",
    "validate_standard",
]
