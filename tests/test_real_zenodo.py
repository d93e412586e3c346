"""Real .zenodo.json files of other projects (fixtures/real/zenodo/, see NOTES.md), each mapped field by field.

Zenodo descriptions are HTML by design: DataCite and Dublin Core get plain-text paragraphs (never tags).
A relation a .zenodo.json writes describes that project's Zenodo record; the mapping rewrites the ones that
cannot be true of the new deposit ([source_relations]) and keeps the others.
"""

from __future__ import annotations

from pathlib import Path

from real_helpers import check_renderings, creators, folder, licence, mapped, problems, related, warnings_of

ORCID = "https://orcid.org/"


def zenodo(tmp_path: Path, name: str, publish: str | None = None, **more: str) -> Path:
    return folder(tmp_path, {".zenodo.json": f"zenodo/{name}.zenodo.json", **more}, publish)


def test_fmriprep_has_no_title(tmp_path: Path, assert_valid) -> None:
    root = zenodo(tmp_path, "fmriprep")
    [problem] = problems(root)
    assert (problem.field, problem.message) == ("title", "title is required; add it to publish.yaml")
    (root / "publish.yaml").write_text("title: fMRIPrep weights\n")
    v = mapped(root)
    r = v.record
    assert r["titles"][0]["title"] == "fMRIPrep weights"
    people = creators(r)
    assert len(people) == 23
    assert people[0] == (
        "Esteban, Oscar",
        ORCID + "0000-0001-8435-6191",
        ["Department of Psychology, Stanford University"],
    )
    assert sum(1 for _, orcid, _ in people if orcid) == 21  # bare ORCIDs become URLs
    assert r["creators"][0]["familyName"] == "Esteban" and r["creators"][0]["givenName"] == "Oscar"
    assert licence(r)[0]["rightsIdentifier"] == "BSD-3-Clause"
    assert "relatedIdentifiers" not in r and "descriptions" not in r
    check_renderings(v, assert_valid, [])


def test_esmvaltool_licence_object_and_funding(tmp_path: Path, assert_valid) -> None:
    v = mapped(zenodo(tmp_path, "esmvaltool"))
    r = v.record
    assert r["titles"][0]["title"] == "ESMValTool"
    assert len(r["creators"]) == 94
    assert creators(r)[0] == ("Andela, Bouwe", ORCID + "0000-0001-9005-8940", ["NLeSC, Netherlands"])
    assert licence(r)[0]["rightsIdentifier"] == "Apache-2.0"  # {"id": "Apache-2.0"}
    assert r["version"] == "v2.12.0"
    assert r["dates"] == [{"date": "2025-03-05", "dateType": "Issued"}]
    # FundRef-prefixed grant ids are funding references, not DOIs of the work.
    assert r["fundingReferences"][0] == {
        "funderName": "European Commission",
        "funderIdentifier": "https://doi.org/10.13039/501100000780",
        "funderIdentifierType": "Crossref Funder ID",
        "awardNumber": "282672",
        "awardUri": "info:eu-repo/grantAgreement/EC/H2020/282672",
    }
    assert len(r["fundingReferences"]) == 6
    assert "relatedIdentifiers" not in r
    check_renderings(v, assert_valid, [])


def test_esmvaltool_zenodo_and_cff_merge_by_precedence(tmp_path: Path, assert_valid) -> None:
    root = zenodo(tmp_path, "esmvaltool", **{"CITATION.cff": "cff/esmvaltool.cff"})
    v = mapped(root)
    r = v.record
    # .zenodo.json outranks CITATION.cff: version and date both from it, not mixed.
    assert (r["version"], r["dates"]) == ("v2.12.0", [{"date": "2025-03-05", "dateType": "Issued"}])
    assert v.artifact.provenance["version"] == v.artifact.provenance["date_released"] == ".zenodo.json"
    assert len(r["creators"]) == 94
    # The CFF's software DOI stays a relation (the file it came from is named).
    assert related(r) == [
        ("10.5281/zenodo.3401363", "DOI", "IsSupplementTo"),
        ("https://github.com/ESMValGroup/ESMValTool/", "URL", "IsCompiledBy"),
    ]
    assert v.related[0]["file"] == "CITATION.cff" and v.related[0]["field"] == "doi"
    check_renderings(v, assert_valid, ["10.5281/zenodo.3401363"])


def test_datalad_escapes_and_grants(tmp_path: Path, assert_valid) -> None:
    root = zenodo(tmp_path, "datalad", "title: DataLad example weights\n")
    assert not (root / ".zenodo.json").read_bytes().endswith(b"\n")
    v = mapped(root)
    r = v.record
    people = creators(r)
    assert len(people) == 25
    assert people[0][0] == "Hanke, Michael" and people[0][2][0].startswith("Institute of Neuroscience and Medicine")
    assert "Jülich" in people[0][2][0]  # written as J\u00fclich
    names = [name for name, _, _ in people]
    assert "Olaf Häusler, Christian" in names and "C Lau, Vicky" in names  # odd splits kept as written
    assert licence(r)[0]["rightsIdentifier"] == "MIT"
    assert r["rightsList"][0]["rightsUri"] == "info:eu-repo/semantics/openAccess"
    assert r["fundingReferences"] == [
        {
            "funderName": "National Science Foundation",
            "funderIdentifier": "https://doi.org/10.13039/100000001",
            "funderIdentifierType": "Crossref Funder ID",
            "awardNumber": "1429999",
        }
    ]
    check_renderings(v, assert_valid, [])


def test_datalad_zenodo_with_its_cff_gets_the_title_from_the_cff(tmp_path: Path, assert_valid) -> None:
    v = mapped(zenodo(tmp_path, "datalad", **{"CITATION.cff": "cff/datalad.cff"}))
    r = v.record
    assert r["titles"][0]["title"].startswith("DataLad: distributed system")
    assert v.artifact.provenance["title"] == "CITATION.cff"
    assert len(r["creators"]) == 25  # .zenodo.json's creators win over the CFF's 31 authors
    assert related(r) == [("10.21105/JOSS.03262", "DOI", "IsSupplementTo")]
    check_renderings(v, assert_valid, ["10.21105/JOSS.03262"])


def test_mriqc_html_description_and_relations(tmp_path: Path, assert_valid) -> None:
    v = mapped(zenodo(tmp_path, "mriqc"))
    r = v.record
    assert (
        r["titles"][0]["title"] == "MRIQC: Advancing the automatic prediction of image quality in MRI from unseen sites"
    )
    assert r["descriptions"] == [
        {
            "description": "Automated Quality Control and visual reports for Quality Assessment of structural (T1w, "
            "T2w) and functional MRI of the brain http://mriqc.readthedocs.io.",
            "descriptionType": "Abstract",
            "lang": "en",
        }
    ]
    assert creators(r) == [
        (
            "Oscar Esteban",
            ORCID + "0000-0001-8435-6191",
            ["Lausanne University Hospital and University of Lausanne, Lausanne, Switzerland"],
        ),
        (
            "Christopher J. Markiewicz",
            ORCID + "0000-0002-6533-164X",
            ["Department of Psychology, Stanford University, CA, USA"],
        ),
    ]
    contributors = creators(r, "contributors")
    assert len(contributors) == 27  # the one with an empty name is left out
    assert {c["contributorType"] for c in r["contributors"]} == {"Researcher"}
    kay = next(c for c in contributors if c[0] == "Benjamin Kay")
    assert kay == ("Benjamin Kay", None, [])  # an affiliation in the orcid field, and a placeholder: dropped
    assert ("Michael", None, ["Max Planck Institute for Human Development, Berlin, Germany"]) in contributors
    warnings = warnings_of(v)
    assert any("contributors.14.orcid" in w and "is not an ORCID iD" in w for w in warnings)
    assert any("contributors.16 has an empty name" in w for w in warnings)
    # "documents" (direction reversed in the source) and "isPartOf" (the software is not part of its paper)
    # are rewritten by the mapping's [source_relations].
    assert related(r) == [
        ("http://mriqc.readthedocs.io", "URL", "IsDocumentedBy"),
        ("10.1371/journal.pone.0184661", "DOI", "IsSupplementTo"),
    ]
    assert any("10.1371/journal.pone.0184661" in w and "IsSupplementTo" in w for w in warnings)
    check_renderings(v, assert_valid, ["10.1371/journal.pone.0184661"])


def test_sunpy_given_family_names_and_odd_affiliations(tmp_path: Path, assert_valid) -> None:
    v = mapped(zenodo(tmp_path, "sunpy"))
    r = v.record
    assert r["titles"][0]["title"] == "SunPy"
    people = creators(r)
    assert len(people) == 30
    assert people[0] == (
        "Stuart J. Mumford",
        ORCID + "0000-0003-4217-4642",
        ["1 - University of Sheffield. 2 - National Solar Observatory / DKIST. 3 - Aperio Software"],
    )
    assert r["creators"][0]["nameType"] == "Personal" and "familyName" not in r["creators"][0]
    assert ("Florian Mayer", None, ["@google"]) in people  # kept as the file says
    assert licence(r)[0]["rightsIdentifier"] == "BSD-2-Clause"
    assert r["descriptions"][0]["description"] == (
        "The community-developed, free and open-source solar data analysis environment for Python."
    )
    assert "version" not in r and "relatedIdentifiers" not in r
    check_renderings(v, assert_valid, [])


def test_inception_relations_kept_or_rewritten(tmp_path: Path, assert_valid) -> None:
    root = zenodo(tmp_path, "inception")
    [problem] = problems(root)  # no licence at all: an open-access deposit is refused
    assert (problem.file, problem.field) == (".zenodo.json", "license")
    (root / "publish.yaml").write_text("license: CC-BY-4.0\n")
    v = mapped(root)
    r = v.record
    assert r["titles"][0]["title"] == "How to tune your DOI record with Zenodo"
    assert creators(r) == [
        ("Castelao, Guilherme", ORCID + "0000-0002-6765-0708", ["Scripps Institution of Oceanography - UC San Diego"])
    ]
    assert r["contributors"][0]["contributorType"] == "Researcher"  # "researcher" in the file
    # The GitHub tree URL keeps isSupplementTo (true of the deposit too); the JOSS paper it cites stays Cites.
    assert related(r) == [
        ("https://github.com/castelao/inception/tree/v0.0.3", "URL", "IsSupplementTo"),
        ("10.21105/joss.02063", "DOI", "Cites"),
    ]
    check_renderings(v, assert_valid, ["10.21105/joss.02063"])
