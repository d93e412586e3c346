"""Metadata that cannot hurt: bounded parsers, honest encodings, control characters, sizes, links, dates."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from bridge.artifact import limits
from bridge.artifact.metadata import read_metadata
from bridge.cli import app
from bridge.errors import MetadataError, Problem

BASE = "kind: model-weights\ntitle: A title\ncreators:\n  - name: Doe, Jane\n"


def folder(tmp_path: Path, publish: str | bytes | None = BASE, **files: str | bytes) -> Path:
    """Make an artefact folder with one data file, publish.yaml (unless None) and other metadata files."""
    root = tmp_path / "art"
    root.mkdir(parents=True)
    (root / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    if publish is not None:
        files = {"publish.yaml": publish, **files}
    for name, content in files.items():
        target = root / name.replace("__", ".")
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


def problems_of(root: Path) -> list[Problem]:
    with pytest.raises(MetadataError) as err:
        read_metadata(root)
    return err.value.problems


def only(root: Path) -> Problem:
    """The one problem reported, and never a derived 'is missing'."""
    problems = problems_of(root)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def invoke(*args: str, timeout: float = 60.0) -> Result:
    """Run the CLI in-process; fail rather than hang if it does not return in time."""
    box: dict[str, Result] = {}
    worker = threading.Thread(target=lambda: box.setdefault("r", CliRunner().invoke(app, list(args))), daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        pytest.fail(f"bridge {' '.join(args)} did not finish within {timeout:.0f} s")
    return box["r"]


# --- encodings: the real problem, not "kind is missing" ------------------------------------------


def test_utf16_publish_yaml_says_utf16_not_kind_missing(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE.encode("utf-16")))
    assert problem.file == "publish.yaml" and "UTF-16" in problem.message and "save it as UTF-8" in problem.message


def test_utf16_without_bom_is_recognised(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE.encode("utf-16-le")))
    assert "UTF-16" in problem.message


def test_latin1_publish_yaml_names_the_byte_line_and_column(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, (BASE + "description: café\n").encode("latin-1")))
    assert problem.line == 5 and "0xe9" in problem.message and "line 5, column 17" in problem.message


def test_unreadable_publish_yaml_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = folder(tmp_path)
    real = Path.read_bytes

    def refuse(path: Path) -> bytes:  # chmod 000 does not stop root, who runs CI
        if path.name == "publish.yaml":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    problem = only(root)
    assert "cannot be read" in problem.message and problem.file == "publish.yaml"


def test_unreadable_file_is_reported_through_the_cli_in_one_line(tmp_path: Path) -> None:
    root = folder(tmp_path, BASE.encode("utf-16"))
    result = invoke("validate", str(root))
    assert result.exit_code == 1 and "kind is missing" not in result.output
    assert result.output.startswith("error: publish.yaml:1: is UTF-16 text"), result.output


# --- YAML: NUL, bombs, depth, duplicate keys -------------------------------------------------------


def test_nul_byte_in_yaml_is_a_clear_error_with_line(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE + "description: a\x00b\n"))
    assert problem.line == 5 and "NUL byte at line 5, column 15" in problem.message


def test_escape_character_in_yaml_source_is_refused(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE + "description: \x1b[2Jgone\n"))
    assert "U+001B" in problem.message and problem.line == 5


def test_nul_byte_in_a_model_card_front_matter(tmp_path: Path) -> None:
    card = "---\nlicense: mit\ntags: [a\x00]\n---\n# Title\n\nText.\n"
    problems = problems_of(folder(tmp_path, BASE, README__md=card))
    assert any(p.file == "README.md" and p.line == 3 and "NUL" in p.message for p in problems)


BILLION_LAUGHS = "\n".join(
    ["kind: model-weights", "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)]
)


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BILLION_LAUGHS + "\n"))
    assert f"more than {limits.YAML_NODES:,} values" in problem.message


def test_many_aliases_are_refused(tmp_path: Path) -> None:
    text = BASE + "x: &x v\nkeywords:\n" + "".join("  - *x\n" for _ in range(limits.YAML_ALIASES + 1))
    problem = only(folder(tmp_path, text))
    assert f"more than {limits.YAML_ALIASES} YAML aliases" in problem.message and problem.line is not None


def test_a_few_aliases_still_work(tmp_path: Path) -> None:
    text = "kind: model-weights\ntitle: &t A title\ncreators:\n  - &p {name: 'Doe, Jane'}\ncontributors: [*p]\n"
    result = read_metadata(folder(tmp_path, text))
    assert result.metadata.contributors[0].name == "Doe, Jane"


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE + "x: &x [*x]\n"))
    assert "containing itself" in problem.message


def test_deep_yaml_is_refused_without_recursion_error(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE + "x: " + "[" * 100_000 + "]" * 100_000 + "\n"))
    assert f"more than {limits.NESTING_DEPTH} levels deep" in problem.message


def test_duplicate_key_names_key_and_both_lines(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE + "title: Another\n"))
    assert problem.line == 5 and "'title'" in problem.message and "first at line 2" in problem.message


def test_duplicate_key_in_a_nested_mapping(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE.replace("name: Doe, Jane", "{name: A, name: B}")))
    assert "'name'" in problem.message and problem.line == 4


# --- JSON: depth and duplicate keys ------------------------------------------------------------


def test_deep_json_is_a_clear_error(tmp_path: Path) -> None:
    deep = '{"title": "x", "a": ' + "[" * 200_000 + "]" * 200_000 + "}"
    problem = only(folder(tmp_path, None, publish__json=deep))
    assert problem.file == "publish.json" and f"{limits.NESTING_DEPTH} levels deep" in problem.message


def test_json_just_past_the_depth_limit(tmp_path: Path) -> None:
    n = limits.NESTING_DEPTH
    problem = only(folder(tmp_path, None, publish__json='{"a": ' + "[" * n + "]" * n + "}"))
    assert "levels deep" in problem.message


def test_deep_json_in_a_zenodo_and_an_ai4os_file(tmp_path: Path) -> None:
    deep = '{"title": "x", "summary": "y", "a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    problems = problems_of(folder(tmp_path, BASE, metadata__json=deep, __zenodo__json=deep))
    assert {p.file for p in problems} == {"metadata.json", ".zenodo.json"}


def test_deep_json_through_the_cli_is_not_an_internal_error(tmp_path: Path) -> None:
    root = folder(tmp_path, BASE, metadata__json='{"title": "x", "a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = invoke("validate", str(root))
    assert result.exit_code == 1 and "internal error" not in result.output and "levels deep" in result.output


def test_duplicate_key_in_json(tmp_path: Path) -> None:
    text = json.dumps({"kind": "model-weights", "creators": [{"name": "A"}]})[:-1] + ', "title": "a", "title": "b"}'
    problem = only(folder(tmp_path, None, publish__json=text))
    assert "'title'" in problem.message


# --- metadata files outside the folder ---------------------------------------------------------


def test_metadata_symlinked_outside_the_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere.md"
    secret.write_text("---\nlicense: mit\n---\n# Private notes\n\nSECRET TEXT\n", encoding="utf-8")
    root = folder(tmp_path)
    (root / "README.md").symlink_to(secret)
    problem = only(root)
    assert problem.file == "README.md" and "outside the artefact folder" in problem.message


@pytest.mark.parametrize("name", ["publish.yaml", "CITATION.cff", ".zenodo.json", "metadata.json"])
def test_every_metadata_file_symlinked_outside_is_refused(tmp_path: Path, name: str) -> None:
    outside = tmp_path / "outside"
    outside.write_text(BASE if name == "publish.yaml" else '{"title": "t", "summary": "s"}', encoding="utf-8")
    root = folder(tmp_path, BASE if name != "publish.yaml" else None)
    (root / name).symlink_to(outside)
    problems = problems_of(root)
    assert any(p.file == name and "outside the artefact folder" in p.message for p in problems)


def test_metadata_symlinked_inside_the_folder_is_read(tmp_path: Path) -> None:
    root = folder(tmp_path, None, meta__yaml=BASE)
    (root / "publish.yaml").symlink_to(root / "meta.yaml")
    assert read_metadata(root).metadata.title == "A title"


def test_oversized_metadata_file_is_refused_before_parsing(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE + "description: " + "x" * (30 * 2**20) + "\n"))
    assert "over the 4 MB limit" in problem.message and problem.file == "publish.yaml"


# --- control characters, invisible text, sizes -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"A \\e[31mred\\e[0m title"', "U+001B"),
        ('"A \\x00 title"', "U+0000"),
        ('"A \\u202Eevil title"', "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ('"A \\u2066isolate"', "U+2066"),
        ('"A \\x9b title"', "U+009B"),
        ('"A \\ud83d title"', "unpaired surrogate U+D83D"),
    ],
)
def test_control_and_bidi_characters_in_a_field_are_refused(tmp_path: Path, value: str, expected: str) -> None:
    problem = only(folder(tmp_path, BASE.replace("title: A title", f"title: {value}")))
    assert problem.field == "title" and problem.line == 2 and expected in problem.message


def test_control_characters_in_a_nested_field(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE.replace("Doe, Jane", '"Doe,\\e]0;pwned\\a Jane"')))
    assert problem.field == "creators.0.name" and "U+001B" in problem.message


def test_zero_width_only_title_is_refused(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE.replace("title: A title", 'title: "\\u200B\\u200D\\u2060"')))
    assert problem.field == "title" and "no visible character" in problem.message


def test_zero_width_space_is_stripped_with_one_warning_per_field(tmp_path: Path) -> None:
    text = BASE.replace("A title", '"A\\u200B title"') + 'keywords: ["a\\u200Bb", "c\\uFEFF"]\n'
    result = read_metadata(folder(tmp_path, text))
    assert result.metadata.title == "A title" and result.metadata.keywords == ["ab", "c"]
    assert result.warnings == [
        "keywords: removed the invisible U+200B (ZERO WIDTH SPACE), U+FEFF (ZERO WIDTH NO-BREAK SPACE) from 2 values",
        "title: removed the invisible U+200B (ZERO WIDTH SPACE)",
    ]


def test_joiners_and_rtl_marks_stay(tmp_path: Path) -> None:
    title = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u200fnotes \U0001f469\u200d\U0001f52c"
    result = read_metadata(folder(tmp_path, BASE.replace("A title", json.dumps(title, ensure_ascii=False))))
    assert result.metadata.title == title and result.warnings == []


def test_ten_megabyte_title_is_refused(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE.replace("A title", "t" * (10 * 2**20))))
    assert "limit" in problem.message


def test_title_just_over_its_limit_names_field_and_limit(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE.replace("A title", "t" * (limits.TITLE_CHARS + 1))))
    assert problem.field == "title" and f"the limit is {limits.TITLE_CHARS:,}" in problem.message


def test_title_at_its_limit_is_accepted(tmp_path: Path) -> None:
    assert len(read_metadata(folder(tmp_path, BASE.replace("A title", "t" * limits.TITLE_CHARS))).metadata.title)


def test_description_over_its_limit(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE + "description: " + "d" * (limits.LONG_TEXT_CHARS + 1) + "\n"))
    assert problem.field == "description" and problem.line == 5


def test_long_keyword_and_too_many_keywords(tmp_path: Path) -> None:
    words = "".join(f"  - k{i}\n" for i in range(limits.KEYWORDS + 1))
    problem = only(folder(tmp_path, BASE + "keywords:\n" + words))
    assert problem.field == "keywords" and f"the limit is {limits.KEYWORDS:,}" in problem.message
    problem = only(folder(tmp_path / "b", BASE + "keywords: [" + "k" * (limits.KEYWORD_CHARS + 1) + "]\n"))
    assert problem.field == "keywords.0"


def test_limits_apply_to_text_from_every_format(tmp_path: Path) -> None:
    cff = "cff-version: 1.2.0\ntitle: T\nauthors:\n  - name: X\nabstract: " + "a" * (limits.LONG_TEXT_CHARS + 1)
    problem = only(folder(tmp_path, "kind: model-weights\n", CITATION__cff=cff))
    assert problem.file == "CITATION.cff" and problem.field == "description" and problem.line == 5


def test_a_hundred_thousand_keywords_are_refused_through_the_cli(tmp_path: Path) -> None:
    text = BASE + "keywords:\n" + "".join(f"  - keyword {i}\n" for i in range(100_000))
    result = invoke("validate", str(folder(tmp_path, text)))  # took minutes before: no timed assertion here
    assert result.exit_code == 1 and "has 100,000 entries; the limit is 1,000" in result.output


def test_schema_check_of_many_subjects_still_finds_duplicates() -> None:
    from bridge.crosswalk.record import validate_record

    subjects = [{"subject": f"k{i}"} for i in range(20_000)]
    assert not [e for e in validate_record({"subjects": subjects}) if e.startswith("subjects")]
    subjects.append({"subject": "k5"})
    assert [e for e in validate_record({"subjects": subjects}) if e.startswith("subjects")]


# --- dates in the future -----------------------------------------------------------------------


def test_creation_date_in_the_future_is_refused(tmp_path: Path) -> None:
    problem = only(folder(tmp_path, BASE + "date_created: 2999-01-01\n"))
    assert problem.field == "date_created" and "in the future" in problem.message and problem.line == 5


@pytest.mark.parametrize("collected", ["2020-01-01/2999-01-01", "2999", "2999-01-01T00:00:00Z"])
def test_collection_reaching_into_the_future_is_refused(tmp_path: Path, collected: str) -> None:
    problem = only(folder(tmp_path, BASE + f'collected: "{collected}"\n'))
    assert problem.field == "collected" and "future" in problem.message


def test_past_dates_are_accepted(tmp_path: Path) -> None:
    md = read_metadata(folder(tmp_path, BASE + "date_created: 2020-02-29\ncollected: 2019-01/2020-12\n")).metadata
    assert str(md.date_created) == "2020-02-29" and md.collected == "2019-01/2020-12"
