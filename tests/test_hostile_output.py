"""Names and output that cannot hurt: unsafe file names refused, control characters escaped, outputs checked first."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridge.cli import app
from bridge.commands.output import SafeConsole, emit_json, run
from bridge.errors import MetadataError, Problem, UsageError, printable

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PUBLISH = "kind: model-weights\ntitle: A title\ncreators:\n  - name: Doe, Jane\nlicense: CC-BY-4.0\n"


def artefact(tmp_path: Path, *names: str) -> Path:
    root = tmp_path / "art"
    root.mkdir()
    (root / "publish.yaml").write_text(PUBLISH, encoding="utf-8")
    (root / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n", encoding="utf-8")
    return root


# --- file and folder names at validate --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("report\u202etxt.exe", "report\\u202etxt.exe"),
        ("a\u2066b.csv", "a\\u2066b.csv"),
        ("two\nlines.csv", "two\\nlines.csv"),
        ("esc\x1b[2J.csv", "esc\\x1b[2J.csv"),
        ("c1\x9b.csv", "c1\\x9b.csv"),
        ("sep\u2028.csv", "sep\\u2028.csv"),
    ],
)
def test_unsafe_file_name_is_refused_at_validate_with_the_name_escaped(tmp_path: Path, name: str, shown: str) -> None:
    result = CliRunner().invoke(app, ["validate", str(artefact(tmp_path, name))])
    assert result.exit_code == 1, result.output
    first = result.output.splitlines()[0]
    assert first.startswith(f"error: {shown}: unsafe file name '{shown}': contains the "), result.output
    assert len(result.output.splitlines()) == 2  # the error and its hint: a newline in the name splits nothing


def test_unsafe_folder_name_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "--json", str(artefact(tmp_path, "logs\u202e/a.csv"))])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert problems[0]["file"] == "logs\\u202e" and "unsafe folder name" in problems[0]["message"]
    assert "bidirectional control U+202E" in problems[0]["message"]


def test_rtl_and_joiner_characters_in_names_stay_allowed(tmp_path: Path) -> None:
    root = artefact(tmp_path, "\u0645\u06cc\u200c\u0631\u0648.csv")
    result = CliRunner().invoke(app, ["validate", "--json", str(root)])
    assert result.exit_code == 0, result.output


# --- escaping at the terminal -----------------------------------------------------------------


def test_printable_escapes_controls_and_keeps_text() -> None:
    assert printable("a\x1b[31mb\u202ec\nd\x9b\x00") == "a\\x1b[31mb\\u202ec\\nd\\x9b\\x00"
    assert printable("línea\nnext", keep="\n") == "línea\nnext"
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u200f"
    assert printable(persian) == persian


def test_safe_console_escapes_text_in_tables_and_messages() -> None:
    from rich.table import Table
    from rich.text import Text

    out = io.StringIO()
    console = SafeConsole(file=out, highlight=False, soft_wrap=True, emoji=False, force_terminal=True)
    console.print("title \x1b]0;pwned\x07 \u202eevil", markup=False)
    table = Table("detail")
    table.add_row(Text("from server \x1b[2J\x9b1m"), style="red")
    console.print(table)
    text = out.getvalue()
    assert "\x1b]0" not in text and "\x1b[2J" not in text and "\u202e" not in text and "\x9b" not in text
    assert "\\x1b]0;pwned" in text and "\\u202eevil" in text  # rich drops BEL itself
    assert "from server \\x1b[2J\\x9b1m" in text
    assert "\x1b[31m" in text  # the table's own colour (rich's styling) still reaches the terminal


def test_the_error_boundary_prints_one_escaped_line(capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    def fail() -> None:
        raise MetadataError(Problem("server says \x1b[2Jgone\nsecond line", file="a\u202eb"), hint="fix \x07it")

    with pytest.raises(typer.Exit):
        run(fail)
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "error: a\\u202eb: server says \\x1b[2Jgone\\nsecond line",
        "  hint: fix \\x07it",
    ]


def test_json_output_escapes_what_a_terminal_obeys(capsys: pytest.CaptureFixture[str]) -> None:
    data = {"title": "a\x1b[2J\x9b\u202eb\u2028c", "name": "línea"}
    emit_json(data)
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x1b\x9b\u202e\u2028")
    assert json.loads(out) == data  # the same data, only written with \u escapes


def test_validate_output_of_a_title_with_invisible_characters_is_escaped(tmp_path: Path) -> None:
    root = artefact(tmp_path)
    (root / "publish.yaml").write_text(PUBLISH.replace("A title", '"A\\u200B title"'), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(root)])
    assert result.exit_code == 0, result.output
    assert "“A title”" in result.output and "removed the invisible U+200B" in result.output


# --- output paths checked before any work -----------------------------------------------------


def test_publish_receipt_pointing_at_a_folder_is_a_usage_error_before_any_work(tmp_path: Path) -> None:
    folder = tmp_path / "receipts"
    folder.mkdir()
    root = shutil.copytree(FIXTURES / "plant-classifier", tmp_path / "plant")
    result = CliRunner().invoke(app, ["publish", str(root), "--yes", "--receipt", str(folder)])
    assert result.exit_code == 2, result.output
    assert "--receipt" in result.output and "is a folder" in result.output
    assert "FAIR before publishing" not in result.output and "published" not in result.output
    assert list(folder.iterdir()) == []


def test_publish_library_checks_the_receipt_path_before_validating(tmp_path: Path) -> None:
    from bridge.publish import publish
    from bridge.settings import load_settings

    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="is not a folder"):
        publish(tmp_path / "no-such-artefact", load_settings(), receipt_path=tmp_path / "file" / "r.json")
    with pytest.raises(UsageError, match="is a folder"):
        publish(tmp_path / "no-such-artefact", load_settings(), receipt_path=tmp_path)


def test_verify_output_into_a_missing_folder_is_a_usage_error_before_any_work(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "report.xml"
    result = CliRunner().invoke(app, ["verify", "--output", str(target)])
    assert result.exit_code == 2, result.output
    assert "does not exist" in result.output and "nothing to verify" not in result.output
    assert not target.parent.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["fair", "FOLDER", "--output", "MISSING/r.json"],
        ["map", "FOLDER", "--to", "datacite-xml", "--output", "MISSING/r.xml"],
        ["records", "--output", "MISSING/r.jsonl"],
        ["verify", "--output", "TMP"],
        ["ledger", "export", "MISSING/l.jsonl"],
    ],
)
def test_every_output_option_is_checked_first(tmp_path: Path, args: list[str]) -> None:
    root = artefact(tmp_path)
    names = {"FOLDER": str(root), "TMP": str(tmp_path)}
    argv = [a.replace("MISSING", str(tmp_path / "missing")) for a in args]
    result = CliRunner().invoke(app, [names.get(a, a) for a in argv])
    assert result.exit_code == 2, result.output
    assert "error: --output" in result.output or "error: OUTPUT" in result.output


@pytest.mark.parametrize("fmt", ["json", "jsonl", "junit", "markdown", "table", "csv"])
def test_reports_on_stdout_escape_what_a_terminal_obeys(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    from lxml import etree

    from bridge.commands.output import write_stdout

    value = "title\x9b2J \u202eevil\u2028"
    raw = {
        "json": json.dumps({"t": value}, ensure_ascii=False),
        "jsonl": json.dumps({"t": value}, ensure_ascii=False) + "\n",
        "junit": f"<testsuites><testcase name='{value}'>{value}</testcase></testsuites>",
        "markdown": f"| t |\n|---|\n| {value} \x1b[2J |\n",
        "table": f"t  {value} \x1b]0;x\n",
        "csv": f"t\n{value}\n",
    }[fmt]
    write_stdout(raw, fmt)
    out = capsys.readouterr().out
    if fmt == "csv":  # data, not for a terminal (stdout is not one here): written as it is
        assert out == raw
        return
    assert not any(c in out for c in "\x1b\x9b\u202e\u2028"), repr(out)
    if fmt in ("json", "jsonl"):
        assert json.loads(out) == json.loads(raw)  # lossless
    elif fmt == "junit":
        case = etree.fromstring(out.encode()).find("testcase")
        assert case is not None and case.text == value and case.get("name") == value  # lossless
    else:
        assert "\\x9b2J \\u202eevil" in out
