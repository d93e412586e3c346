"""The mapping files and their loader: schema, defaults, override order, error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.crosswalk.mapping import known_kinds, list_mappings, load_mapping, parse_mapping
from bridge.errors import ConfigError, MetadataError
from bridge.settings import load_settings

REPO_MAPPINGS = Path(__file__).resolve().parent.parent / "mappings"
SHIPPED = ["anonymised-logs", "model-weights", "satellite-products"]
MINIMAL = """
title = "Test kind"
[datacite]
resource_type_general = "Dataset"
resource_type = "Test data"
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_mappings_load_with_their_types() -> None:
    mappings = {m.name: m for m in list_mappings([REPO_MAPPINGS])}
    assert sorted(mappings) == SHIPPED
    assert mappings["model-weights"].datacite.resource_type_general == "Model"
    assert mappings["model-weights"].datacite.resource_type == "Trained neural network weights"
    assert mappings["model-weights"].resource_type_general == "Model"  # shortcuts for listings
    assert mappings["model-weights"].resource_type == "Trained neural network weights"
    assert mappings["anonymised-logs"].datacite.resource_type_general == "Dataset"
    assert mappings["anonymised-logs"].datacite.resource_type == "Anonymised log data"
    assert mappings["satellite-products"].datacite.resource_type_general == "Dataset"
    assert [m.privacy_gate for m in mappings.values()] == [True, False, False]  # sorted by name
    for m in mappings.values():
        assert m.title and m.description
        assert m.defaults.publisher is not None
        assert m.defaults.publisher.name == "Consejo Superior de Investigaciones Científicas (CSIC)"
        assert m.defaults.publisher.ror == "https://ror.org/02gfc7t72"
        assert m.defaults.language == "en"
        assert m.oai_dc.type == "info:eu-repo/semantics/other"
        assert m.defaults.subjects[0].scheme == "Fields of Science and Technology (FOS)"
        assert m.source is not None and m.source.parent == REPO_MAPPINGS


def test_shipped_coar_types() -> None:
    coar = {m.name: (m.dspace.type, m.dspace.coar_type) for m in list_mappings([REPO_MAPPINGS])}
    assert coar["anonymised-logs"] == ("Dataset", "http://purl.org/coar/resource_type/c_ddb1")
    assert coar["satellite-products"] == ("Dataset", "http://purl.org/coar/resource_type/c_ddb1")
    assert coar["model-weights"] == ("other", "http://purl.org/coar/resource_type/c_1843")


def test_relation_rules_merge_shared_defaults_with_the_file() -> None:
    logs = load_mapping("anonymised-logs", [REPO_MAPPINGS])
    model = load_mapping("model-weights", [REPO_MAPPINGS])
    assert logs.relation_for("paper").relation_type == "IsSupplementTo"  # the file's own rule
    assert model.relation_for("Paper").relation_type == "IsDocumentedBy"
    assert logs.relation_for("dataset").relation_type == "IsDerivedFrom"  # a shared default
    assert model.relation_for("code").resource_type_general == "Software"
    assert model.relation_for("nonsense") is None


def test_minimal_file_gets_every_default(tmp_path: Path) -> None:
    m = parse_mapping(write(tmp_path, "tiny", MINIMAL))
    assert m.name == "tiny"
    assert m.privacy_gate is False
    assert m.defaults.access == "open"
    assert m.dspace.fields.title == "dc.title"
    assert m.dspace.fields.doi == "dc.identifier.doi"
    assert m.dspace.relation_fields["IsDerivedFrom"] == "dc.relation.isbasedon"
    assert (m.dspace.type, m.dspace.coar_type) == ("Dataset", "http://purl.org/coar/resource_type/c_ddb1")
    assert m.relation_for("code").relation_type == "IsCompiledBy"


def test_dspace_field_override_keeps_the_other_defaults(tmp_path: Path) -> None:
    text = MINIMAL + '[dspace.fields]\nmethods = "dc.description.methods"\norcid = ""\n'
    m = parse_mapping(write(tmp_path, "custom", text))
    assert m.dspace.fields.methods == "dc.description.methods"
    assert m.dspace.fields.orcid == ""
    assert m.dspace.fields.abstract == "dc.description.abstract"


def test_unknown_kind_is_a_metadata_error_on_field_kind() -> None:
    with pytest.raises(MetadataError) as info:
        load_mapping("weights", [REPO_MAPPINGS])
    problem = info.value.problems[0]
    assert problem.field == "kind"
    assert problem.message == "unknown kind 'weights'; known: anonymised-logs, model-weights, satellite-products"


def test_kind_cannot_escape_the_mapping_directories(tmp_path: Path) -> None:
    write(tmp_path, "secret", MINIMAL)
    inner = tmp_path / "inner"
    inner.mkdir()
    with pytest.raises(MetadataError, match=r"unknown kind '\.\./secret'"):
        load_mapping("../secret", [inner])


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "broken", 'title = "unterminated\n')
    with pytest.raises(ConfigError) as info:
        load_mapping("broken", [tmp_path])
    assert str(path) in info.value.message
    assert "not valid TOML" in info.value.message
    assert "line 1" in info.value.message


@pytest.mark.parametrize(
    ("extra", "key", "says"),
    [
        (
            '[datacite]\nresource_type_general = "Modell"\nresource_type = "x"\n',
            "datacite.resource_type_general",
            "Modell",
        ),
        (
            '[datacite]\nresource_type_general = "Model"\nresource_type = "x"\ncolour = "red"\n',
            "datacite.colour",
            "Extra",
        ),
        (
            '[datacite]\nresource_type_general = "Model"\nresource_type = "x"\n[[defaults.subjects]]\nscheme = "FOS"\n',
            "defaults.subjects[0].term",
            "required",
        ),
        (
            '[datacite]\nresource_type_general = "Model"\nresource_type = "x"\n'
            '[relations]\ncode = { relation_type = "MadeBy" }\n',
            "relations.code.relation_type",
            "relationType",
        ),
        (
            '[datacite]\nresource_type_general = "Model"\nresource_type = "x"\n[dspace.fields]\ntitle = "title"\n',
            "dspace.fields.title",
            "DSpace field name",
        ),
        (
            '[datacite]\nresource_type_general = "Model"\nresource_type = "x"\n[defaults]\naccess = "embargoed"\n',
            "defaults.access",
            "open",
        ),
        (
            '[datacite]\nresource_type_general = "Model"\nresource_type = "x"\n[oai_dc]\ntype = "model"\n',
            "oai_dc.type",
            "info:eu-repo",
        ),
        (
            '[datacite]\nresource_type_general = "Model"\nresource_type = "x"\n[dspace]\ncoar_type = "c_1843"\n',
            "dspace.coar_type",
            "COAR",
        ),
        (
            '[datacite]\nresource_type_general = "Model"\nresource_type = "x"\n[defaults]\nlanguage = "English"\n',
            "defaults.language",
            "BCP 47",
        ),
    ],
)
def test_invalid_values_name_file_and_key(tmp_path: Path, extra: str, key: str, says: str) -> None:
    path = write(tmp_path, "bad", 'title = "Bad"\n' + extra)
    with pytest.raises(ConfigError) as info:
        parse_mapping(path)
    assert info.value.message.startswith(f"{path}: {key}: ")
    assert says in info.value.message
    assert info.value.hint


def test_name_must_match_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "logs", 'name = "other"\n' + MINIMAL)
    with pytest.raises(ConfigError, match=r"logs\.toml: name: 'other' does not match the file name"):
        parse_mapping(path)


def test_first_directory_wins(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    write(mine, "model-weights", MINIMAL.replace("Test kind", "My weights"))
    write(mine, "extra-kind", MINIMAL)
    dirs = [mine, tmp_path / "missing", REPO_MAPPINGS]
    assert load_mapping("model-weights", dirs).title == "My weights"
    assert load_mapping("anonymised-logs", dirs).title == "Anonymised log data"
    listed = {m.name: m for m in list_mappings(dirs)}
    assert sorted(listed) == ["anonymised-logs", "extra-kind", "model-weights", "satellite-products"]
    assert listed["model-weights"].title == "My weights"
    assert listed["model-weights"].source == mine / "model-weights.toml"
    assert known_kinds(dirs) == sorted(listed)


def test_a_broken_file_fails_the_listing_but_not_other_kinds(tmp_path: Path) -> None:
    path = write(tmp_path, "zz-broken", "[datacite\n")
    with pytest.raises(ConfigError, match=r"zz-broken\.toml"):
        list_mappings([tmp_path, REPO_MAPPINGS])
    assert load_mapping("model-weights", [tmp_path, REPO_MAPPINGS]).name == "model-weights"
    assert path.is_file()


def test_settings_search_bridge_mappings_then_home_then_repo(tmp_path: Path, bridge_home: Path) -> None:
    env_dir = tmp_path / "env"
    write(env_dir, "satellite-products", MINIMAL.replace("Test kind", "From BRIDGE_MAPPINGS"))
    write(bridge_home / "mappings", "satellite-products", MINIMAL.replace("Test kind", "From home"))
    write(bridge_home / "mappings", "anonymised-logs", MINIMAL.replace("Test kind", "Home logs"))
    settings = load_settings(env={"BRIDGE_HOME": str(bridge_home), "BRIDGE_MAPPINGS": str(env_dir)}, cwd=tmp_path)
    assert load_mapping("satellite-products", settings.mappings_dirs).title == "From BRIDGE_MAPPINGS"
    assert load_mapping("anonymised-logs", settings.mappings_dirs).title == "Home logs"
    assert load_mapping("model-weights", settings.mappings_dirs).source == REPO_MAPPINGS / "model-weights.toml"
