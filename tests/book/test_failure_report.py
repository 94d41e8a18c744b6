"""A failed build's report (kzopinion.book.build.failure_report) keeps every line of Jupyter Book's log that names
a cause, and drops its noise."""

from __future__ import annotations

from kzopinion.book import build


def test_failure_report_keeps_every_line_that_names_a_cause(tmp_path):
    log = "\n".join(
        [
            "Running Sphinx v7.4.7",
            "loading pickled environment... done",
            "Extension error (kzopinion.book.page_chrome):",
            "Handler <function x> for event 'config-inited' threw an exception (exception: boom)",
            f"{tmp_path}/CITATION.cff cannot be read as YAML ([Errno 2] No such file or directory: "
            f"'{tmp_path}/CITATION.cff')",
            "Traceback (most recent call last):",
            "RuntimeError: something failed",
            "There was an error in building your book. Look above for the cause.",
        ]
    )
    report = build.failure_report(log, tmp_path, tmp_path / "_build")
    assert "Look above" not in report and "Running Sphinx" not in report
    for wanted in (
        "Extension error",
        "threw an exception (exception: boom)",
        "RuntimeError: something failed",
        "CITATION.cff is missing",
        "git checkout -- CITATION.cff",
    ):
        assert wanted in report, (wanted, report)
    assert build.failure_report("", tmp_path, tmp_path).startswith("Jupyter Book printed nothing")
