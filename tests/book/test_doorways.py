"""What the doorways on pasted values, the report rows and the page footer say."""

from __future__ import annotations

from kzopinion.book import build_stamp, number_sources
from kzopinion.book.number_doorways import link_report_rows


def test_claim_and_non_claim_descriptions():
    claim = number_sources.Provenance(
        key="fp_x",
        notebook="notebooks/04-foreign-policy",
        cell=7,
        inputs=["a", "b"],
        claim=True,
        status="differs",
        tier="published",
        printed="38 of 49",
        section="The cost of US foreign policy",
    )
    other = number_sources.Provenance(key="moe", notebook="notebooks/01-data-sources", cell=3)
    assert claim.describe() == (
        "Claim fp_x: differs; tier published. Computed in the section “The cost of US foreign policy”. Data: a, b."
    )
    assert other.describe() == (
        "Not a claim of the article: Computed in notebooks/01-data-sources. Data: not recorded."
    )


def test_report_rows_get_ids_and_links_back():
    table = (
        '<table class="table replication-report"><tbody>'
        '<tr class="claim-differs"><td><code>fp_x</code></td><td>4</td></tr>'
        '<tr id="claim-kept"><td><code>kept</code></td><td>5</td></tr></tbody></table>'
    )
    out = link_report_rows(table, {"fp_x": [("04", "04-foreign-policy.html#kz-use-fp_x", "The cost")]})
    assert '<tr class="claim-differs" id="claim-fp_x">' in out
    assert 'href="04-foreign-policy.html#kz-use-fp_x"' in out and 'aria-label="shown in The cost"' in out
    assert out.count('id="claim-kept"') == 1  # an id the table already gives is kept, not doubled


def test_citation_names_the_commit_and_the_article(root):
    text = build_stamp.citation(root, "0123456789ab")
    assert "commit 0123456789ab" in text and "doi:10.1177/18793665211030937" in text and "Laruelle" in text


def test_build_date_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert build_stamp.build_date() == "1970-01-01"


def test_every_glued_value_has_a_provenance(root):
    from kzopinion.book import notebooks, pastes

    found = number_sources.glued(root)
    for source in notebooks.sources(root):
        keys = pastes.pasted_keys(source.read_text(encoding="utf-8"))
        page = found[f"notebooks/{source.stem}"]
        assert all(key in page and page[key].cell for key in keys), source.stem
    # every glued value, pasted or not, names its inputs: never "Inputs: not recorded"
    unnamed = [key for page in found.values() for key, value in page.items() if not value.inputs]
    assert found and not unnamed, unnamed
    assert all("not recorded" not in value.describe() for page in found.values() for value in page.values())


def test_a_value_glued_without_declared_inputs_names_what_its_run_read(root):
    found = number_sources.glued(root)["notebooks/04-foreign-policy"]
    value = found["fp_choice_count"]  # glued in a cell that names no table
    assert not value.claim and "analysis_variants" in value.inputs and "claims[fp_*]" in value.inputs
