"""Identifiers of other works: normalised keys (one relation per identifier), forge URLs, HTML descriptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.artifact.foreign import html_to_text, is_code_host, related_key, url_role
from bridge.artifact.read_cff import read_cff


@pytest.mark.parametrize(
    "spelling",
    [
        "10.21105/JOSS.03262",
        "10.21105/joss.03262",
        "doi:10.21105/joss.03262",
        "DOI: 10.21105/JOSS.03262",
        "https://doi.org/10.21105/joss.03262",
        "http://dx.doi.org/10.21105/JOSS.03262",
    ],
)
def test_a_doi_has_one_key_however_it_is_written(spelling: str) -> None:
    assert related_key(spelling) == "doi:10.21105/joss.03262"


def test_urls_are_normalised_but_paths_keep_their_case() -> None:
    key = related_key("https://github.com/datalad/datalad")
    assert related_key("HTTPS://GitHub.com/datalad/datalad/") == key
    assert related_key("http://www.github.com:443/datalad/datalad#readme") == key
    assert related_key("https://github.com/DataLad/datalad") != key
    assert related_key("https://example.org:8443/x") != related_key("https://example.org/x")


def test_forges_are_code_and_package_pages_are_not() -> None:
    assert is_code_host("https://github.com/pydata/xarray") and is_code_host("https://gitlab.com/x/y")
    assert url_role("https://github.com/pydata/xarray") == "code"
    assert url_role("https://pypi.org/project/snakemake/") == "described_work"
    assert url_role("https://www.vliz.be/en") == "described_work"
    assert not is_code_host("doi:10.1/x")


def test_html_becomes_plain_text_paragraphs() -> None:
    html = (
        "<p>First <b>bold</b> paragraph,\n  wrapped.</p><p>Second with <a href=http://x.org>a link</a>.</p>"
        "<ul><li>one</li><li>two</li></ul><script>alert(1)</script>"
    )
    assert html_to_text(html) == "First bold paragraph, wrapped.\n\nSecond with a link.\n\n- one\n\n- two"
    assert html_to_text("no tags & < here") == "no tags & < here"


def test_cff_identifier_relation_key_is_kept_when_it_is_a_datacite_relation(tmp_path: Path) -> None:
    path = tmp_path / "CITATION.cff"
    path.write_text(
        "cff-version: 1.2.0\ntitle: T\nauthors: [{name: X}]\nidentifiers:\n"
        "  - {type: doi, value: 10.5281/zenodo.1, relation: isDerivedFrom}\n"
        "  - {type: other, value: 'urn:isbn:9780262033848', relation: IsDocumentedBy}\n"
        "  - {type: url, value: 'https://gitlab.com/a/b', relation: not-a-relation}\n",
        encoding="utf-8",
    )
    source = read_cff(path)
    assert [(r["identifier"], r["relation_type"]) for r in source.data["related"]] == [
        ("10.5281/zenodo.1", "IsDerivedFrom"),
        ("urn:isbn:9780262033848", "IsDocumentedBy"),
        ("https://gitlab.com/a/b", "code"),
    ]
    assert source.warnings == []


def test_cff_with_metadata_only_in_preferred_citation_uses_it_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "CITATION.cff"
    path.write_text(
        "cff-version: 1.2.0\nmessage: Please cite the paper.\n"
        "preferred-citation:\n  type: article\n  title: A paper about the weights\n"
        "  authors:\n    - family-names: Carberry\n      given-names: Josiah\n  doi: 10.1000/paper.42\n",
        encoding="utf-8",
    )
    source = read_cff(path)
    assert source.data["title"] == "A paper about the weights"
    assert source.data["creators"] == [{"family_name": "Carberry", "given_name": "Josiah"}]
    assert source.lines["title"] == 5
    [warning] = source.warnings
    assert warning.message.startswith("title, authors read from preferred-citation")
    assert [(r["identifier"], r["relation_type"]) for r in source.data["related"]] == [("10.1000/paper.42", "paper")]
