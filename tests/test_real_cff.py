"""Real CITATION.cff files of other projects (fixtures/real/cff/, see NOTES.md): each one mapped field by field.

Every DOI in these files names the software or its paper, never a new deposit made from the folder: it must
become a related identifier (with the relation the model-weights mapping gives its role), never the record's
DOI, dc.identifier.doi or the DataCite <identifier>; every rendering validates against the XSDs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from real_helpers import check_renderings, creators, folder, licence, mapped, problems, related, warnings_of

LICENCE = "license: MIT\n"  # for files without one: an open-access deposit needs a licence
ORCID = "https://orcid.org/"


def cff(tmp_path: Path, name: str, publish: str | None = None) -> Path:
    return folder(tmp_path, {"CITATION.cff": f"cff/{name}.cff"}, publish)


def test_datalad(tmp_path: Path, assert_valid) -> None:
    root = cff(tmp_path, "datalad")
    # No licence in the file: an open-access deposit is refused until one is given.
    [problem] = problems(root)
    assert (problem.file, problem.field) == ("CITATION.cff", "license")
    (root / "publish.yaml").write_text(LICENCE)
    v = mapped(root)
    r = v.record
    assert r["titles"][0]["title"] == (
        "DataLad: distributed system for joint management of code, data, and their relationship"
    )
    people = creators(r)
    assert len(people) == 31
    assert people[0] == ("Halchenko, Yaroslav", None, [])
    assert ("de la Vega, Alejandro", None, []) in people  # name-particle kept with the family name
    assert ("Mönch, Christian", None, []) in people
    assert r["version"] == "1.6.5"
    assert "dates" not in r  # no date-released
    # The JOSS paper DOI (written twice, once in identifiers) is one relation, IsSupplementTo, never the DOI.
    assert related(r) == [("10.21105/JOSS.03262", "DOI", "IsSupplementTo")]
    assert any("urn:issn:2475-9066" in w and "is not used" in w for w in warnings_of(v))
    assert any("10.21105/JOSS.03262" in w and "IsSupplementTo" in w for w in warnings_of(v))
    assert licence(r)[0]["rightsIdentifier"] == "MIT"  # from publish.yaml
    check_renderings(v, assert_valid, ["10.21105/JOSS.03262"])


def test_esmvaltool(tmp_path: Path, assert_valid) -> None:
    v = mapped(cff(tmp_path, "esmvaltool"))
    r = v.record
    assert r["titles"][0]["title"] == "ESMValTool"
    people = creators(r)
    assert len(people) == 98
    assert people[0] == ("Andela, Bouwe", ORCID + "0000-0001-9005-8940", ["NLeSC, Netherlands"])
    assert sum(1 for _, orcid, _ in people if orcid) == 56
    assert all(affiliations for _, _, affiliations in people)
    names = [name for name, _, _ in people]
    assert "de Mora, Lee" in names and "von Hardenberg, Jost" in names
    orcids = {orcid for _, orcid, _ in people}
    assert ORCID + "0000-0003-2724-709X" in orcids and ORCID + "0009-0003-1611-9516" in orcids
    assert r["dates"] == [{"date": "2025-09-04", "dateType": "Issued"}]  # a YAML date object
    assert r["publicationYear"] == "2025"
    assert r["version"] == "v2.13.0"
    assert licence(r)[0]["rightsIdentifier"] == "Apache-2.0"
    assert r["descriptions"][0]["description"].startswith("ESMValTool: A community diagnostic")
    assert related(r) == [
        ("10.5281/zenodo.3401363", "DOI", "IsSupplementTo"),
        ("https://github.com/ESMValGroup/ESMValTool/", "URL", "IsCompiledBy"),
    ]
    check_renderings(v, assert_valid, ["10.5281/zenodo.3401363"])


def test_esmvalcore(tmp_path: Path, assert_valid) -> None:
    v = mapped(cff(tmp_path, "esmvalcore"))
    r = v.record
    assert r["titles"][0]["title"] == "ESMValCore"
    people = creators(r)
    assert len(people) == 52
    assert sum(1 for _, orcid, _ in people if orcid) == 41
    # A quoted key ("family-names") reads like a plain one; trailing spaces of an affiliation are stripped.
    assert any(name.startswith("Smeets,") for name, _, _ in people)
    affiliations = {a for _, _, affs in people for a in affs}
    assert "Helmholtz-Zentrum Geesthacht, Germany" in affiliations
    assert r["dates"] == [{"date": "2026-07-15", "dateType": "Issued"}]
    assert r["version"] == "v2.15.0"
    assert related(r) == [
        ("10.5281/zenodo.3387139", "DOI", "IsSupplementTo"),
        ("https://github.com/ESMValGroup/ESMValCore/", "URL", "IsCompiledBy"),
    ]
    check_renderings(v, assert_valid, ["10.5281/zenodo.3387139"])


def test_mne_python(tmp_path: Path, assert_valid) -> None:
    v = mapped(cff(tmp_path, "mne-python", LICENCE))
    r = v.record
    assert r["titles"][0]["title"] == "MNE-Python"
    people = creators(r)
    names = [name for name, _, _ in people]
    assert len(names) == len(set(names))  # the 10 exact repeats are kept once ...
    assert names.count("Gramfort, Alexandre") == 1
    assert any("kept once" in w and "Gramfort, Alexandre" in w for w in warnings_of(v))  # ... with a warning
    assert "kjs" in names and "user27182" in names  # name-only entries (CFF entities) are kept as written
    assert all(orcid is None and not affs for _, orcid, affs in people)
    assert r["dates"] == [{"date": "2026-07-01", "dateType": "Issued"}]  # quoted date
    assert r["version"] == "1.13.0"
    # The software's Zenodo DOI and the paper of preferred-citation: two relations, neither the deposit's DOI.
    assert related(r) == [
        ("10.5281/zenodo.592483", "DOI", "IsSupplementTo"),
        ("10.3389/fnins.2013.00267", "DOI", "IsDocumentedBy"),
    ]
    assert r["relatedIdentifiers"][1]["resourceTypeGeneral"] == "JournalArticle"
    check_renderings(v, assert_valid, ["10.5281/zenodo.592483", "10.3389/fnins.2013.00267"])


def test_napari(tmp_path: Path, assert_valid) -> None:
    v = mapped(cff(tmp_path, "napari"))
    r = v.record
    assert r["titles"][0]["title"] == "napari: a multi-dimensional image viewer for Python"
    people = creators(r)
    assert len(people) == 90
    assert sum(1 for _, orcid, _ in people if orcid) == 63
    assert sum(1 for _, _, affs in people if affs) == 83
    assert people[0] == ("Sofroniew, Nicholas", ORCID + "0000-0002-3426-0914", ["Chan Zuckerberg Initiative"])
    caporal = next(p for p in people if p[0].startswith("Caporal,"))
    # A folded affiliation is one line of text.
    assert caporal[2] == ["Laboratory for Optics and Biosciences, Ecole Polytechnique, INSERM, CNRS, Palaiseau, France"]
    assert "version" not in r and "dates" not in r
    assert licence(r)[0]["rightsIdentifier"] == "BSD-3-Clause"
    # Only identifiers (type doi): the napari software DOI, as a relation.
    assert related(r) == [
        ("10.5281/zenodo.3555620", "DOI", "IsSupplementTo"),
        ("https://github.com/napari/napari", "URL", "IsCompiledBy"),
    ]
    check_renderings(v, assert_valid, ["10.5281/zenodo.3555620"])


def test_cffconvert_old_cff_version_is_a_warning(tmp_path: Path, assert_valid) -> None:
    v = mapped(cff(tmp_path, "cffconvert"))
    r = v.record
    assert any("cff-version 1.0.3 is not one the bridge knows" in w for w in warnings_of(v))
    assert r["titles"][0]["title"] == "cffconvert"
    assert creators(r)[0] == ("Spaaks, Jurriaan H.", None, ["Netherlands eScience Center"])
    assert creators(r)[-1] == ("Druskat, Stephan", ORCID + "0000-0003-4925-7248", ["Humboldt-Universität zu Berlin"])
    assert r["dates"] == [{"date": "2018-11-06", "dateType": "Issued"}]
    assert r["version"] == "1.0.3"
    assert licence(r)[0]["rightsIdentifier"] == "Apache-2.0"
    assert related(r) == [
        ("10.5281/zenodo.1162057", "DOI", "IsSupplementTo"),
        ("https://github.com/citation-file-format/cff-converter-python", "URL", "IsCompiledBy"),
    ]
    check_renderings(v, assert_valid, ["10.5281/zenodo.1162057"])


def test_citation_file_format_spec(tmp_path: Path, assert_valid) -> None:
    v = mapped(cff(tmp_path, "citation-file-format", "license: CC-BY-4.0\n"))
    r = v.record
    assert r["titles"][0]["title"] == "Citation File Format"
    people = creators(r)
    assert len(people) == 5
    assert people[0] == ("Druskat, Stephan", ORCID + "0000-0003-4925-7248", [])
    assert people[-1] == ("Baker, James", ORCID + "0000-0002-2682-6922", [])
    assert all(orcid for _, orcid, _ in creators(r))
    assert r["version"] == "1.1.0"
    assert r["dates"] == [{"date": "2021-05-12", "dateType": "Issued"}]
    assert r["descriptions"][0]["description"].startswith("CITATION.cff files are plain text files")
    # The version DOI of spec 1.1.0: the deposit supplements it, it is not the deposit.
    assert related(r) == [("10.5281/zenodo.4751536", "DOI", "IsSupplementTo")]
    assert licence(r)[0]["rightsIdentifier"] == "CC-BY-4.0"
    check_renderings(v, assert_valid, ["10.5281/zenodo.4751536"])


def test_transformers_partial_date_and_crlf(tmp_path: Path, assert_valid) -> None:
    root = cff(tmp_path, "transformers", LICENCE)
    assert b"\r\n" in (root / "CITATION.cff").read_bytes()
    v = mapped(root)
    r = v.record
    assert r["titles"][0]["title"] == "Transformers: State-of-the-Art Natural Language Processing"
    people = creators(r)
    assert len(people) == 16
    assert people[0] == ("Wolf, Thomas", None, [])
    assert ("Le Scao, Teven", None, []) in people
    # date-released: 2020-10 is kept at month precision, with a warning.
    assert r["dates"] == [{"date": "2020-10", "dateType": "Issued"}]
    assert r["publicationYear"] == "2020"
    assert v.artifact.metadata.date_released == "2020-10"
    assert any("2020-10 is a partial date" in w and "month precision" in w for w in warnings_of(v))
    # The GitHub URL is the code (never IsIdenticalTo); the ACL paper URL of preferred-citation documents it.
    assert related(r) == [
        ("https://github.com/huggingface/transformers", "URL", "IsCompiledBy"),
        ("https://aclanthology.org/2020.emnlp-demos.6/", "URL", "IsDocumentedBy"),
    ]
    assert r["relatedIdentifiers"][1]["resourceTypeGeneral"] == "ConferencePaper"
    check_renderings(v, assert_valid, [])


def test_pandas_corporate_author(tmp_path: Path, assert_valid) -> None:
    v = mapped(cff(tmp_path, "pandas"))
    r = v.record
    assert r["titles"][0]["title"] == "pandas-dev/pandas: Pandas"
    assert r["creators"] == [{"name": "The pandas development team", "nameType": "Organizational"}]
    assert licence(r)[0]["rightsIdentifier"] == "BSD-3-Clause"
    assert r["descriptions"][0]["description"] == (
        "Pandas is a powerful data structures for data analysis, time series, and statistics."
    )
    assert related(r) == [("https://github.com/pandas-dev/pandas", "URL", "IsCompiledBy")]
    check_renderings(v, assert_valid, [])


def test_xarray(tmp_path: Path, assert_valid) -> None:
    v = mapped(cff(tmp_path, "xarray", LICENCE))
    r = v.record
    assert r["titles"][0]["title"] == "xarray"
    names = [name for name, _, _ in creators(r)]
    assert len(names) == 27 and names.count("Monroe, James") == 1  # the repeated author once
    assert creators(r)[0] == ("Hoyer, Stephan", ORCID + "0000-0002-5207-0380", [])
    assert "Joseph, Hamman" in names  # given/family swapped in the file: kept as written
    assert related(r) == [
        ("10.5281/zenodo.598201", "DOI", "IsSupplementTo"),
        ("https://github.com/pydata/xarray", "URL", "IsCompiledBy"),
        ("10.5334/jors.148", "DOI", "IsDocumentedBy"),
    ]
    check_renderings(v, assert_valid, ["10.5281/zenodo.598201", "10.5334/jors.148"])


def test_pybamm_paper_doi_at_the_top(tmp_path: Path, assert_valid) -> None:
    v = mapped(cff(tmp_path, "pybamm", "license: BSD-3-Clause\n"))
    r = v.record
    assert r["titles"][0]["title"] == "Python Battery Mathematical Modelling (PyBaMM)"
    assert creators(r)[0] == ("Sulzer, Valentin", ORCID + "0000-0002-8687-327X", [])
    assert len(creators(r)) == 5
    assert r["version"] == "22.8"  # quoted in the file: text, not the float 22.8
    assert r["dates"] == [{"date": "2021-06-08", "dateType": "Issued"}]
    assert related(r) == [
        ("10.5334/jors.309", "DOI", "IsSupplementTo"),
        ("https://github.com/pybamm-team/PyBaMM", "URL", "IsCompiledBy"),
    ]
    check_renderings(v, assert_valid, ["10.5334/jors.309"])


def test_snakemake(tmp_path: Path, assert_valid) -> None:
    v = mapped(cff(tmp_path, "snakemake"))
    r = v.record
    assert r["titles"][0]["title"] == "Snakemake"
    assert creators(r) == [("Köster, Johannes", ORCID + "0000-0001-9818-9320", [])]
    assert r["version"] == "7.19.1"
    assert r["dates"] == [{"date": "2022-12-13", "dateType": "Issued"}]
    assert licence(r)[0]["rightsIdentifier"] == "MIT"
    assert r["descriptions"][0]["description"].startswith("The Snakemake workflow management system is a tool")
    # "# doi: 10.5066/??" is a comment: no DOI from it. PyPI is not IsIdenticalTo; the paper documents it.
    assert related(r) == [
        ("https://github.com/snakemake/snakemake", "URL", "IsCompiledBy"),
        ("https://pypi.org/project/snakemake/", "URL", "IsSupplementTo"),
        ("10.1093/bioinformatics/bts480", "DOI", "IsDocumentedBy"),
    ]
    assert not any("10.5066" in str(x) for x in r.get("relatedIdentifiers", []))
    check_renderings(v, assert_valid, ["10.1093/bioinformatics/bts480"])


def test_pyswh_is_not_yaml_one_line_error(tmp_path: Path) -> None:
    [problem] = problems(cff(tmp_path, "pyswh"))
    assert (problem.file, problem.line) == ("CITATION.cff", 3)
    assert problem.message.startswith("invalid YAML at line 3")
    assert "\n" not in str(problem)


def test_dates_keep_the_type_they_have(tmp_path: Path) -> None:
    esmvaltool = mapped(cff(tmp_path, "esmvaltool")).artifact.metadata
    assert esmvaltool.date_released == dt.date(2025, 9, 4)
