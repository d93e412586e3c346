"""Real Hugging Face model cards (fixtures/real/modelcards/, see NOTES.md), each mapped field by field.

Cards name no creators, so publish.yaml gives them; title, language, licence (or rights), keywords, datasets and
description come from the real card. A Hugging Face clone names its repository in .git/config.
"""

from __future__ import annotations

from pathlib import Path

from real_helpers import check_renderings, folder, licence, mapped, problems, related, warnings_of

AUTHOR = "creators: [{name: 'Doe, Jane'}]\n"


def card(tmp_path: Path, name: str, publish: str = AUTHOR) -> Path:
    return folder(tmp_path, {"README.md": f"modelcards/{name}.README.md"}, publish)


def clone_of(root: Path, repository: str) -> None:
    """Make the folder look like `git clone https://huggingface.co/<repository>` (what people publish from)."""
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text(
        f'[core]\n\tbare = false\n[remote "origin"]\n\turl = https://huggingface.co/{repository}\n'
        "\tfetch = +refs/heads/*:refs/remotes/origin/*\n"
    )


def test_geotrend_multilingual_scalar_and_dataset_scalar(tmp_path: Path, assert_valid) -> None:
    v = mapped(card(tmp_path, "geotrend-bert-base-15lang-cased"), kind=None)  # a card alone implies model-weights
    r = v.record
    assert v.mapping.name == "model-weights"
    assert r["titles"] == [{"title": "bert-base-15lang-cased", "lang": "mul"}]  # the first H1
    assert r["language"] == "mul"  # language: multilingual (HF-documented) -> BCP 47 / ISO 639-2 mul
    assert licence(r)[0]["rightsIdentifier"] == "Apache-2.0"  # apache-2.0
    assert r["descriptions"][0]["description"].startswith("We are sharing smaller versions of")
    assert related(r) == [("https://huggingface.co/datasets/wikipedia", "URL", "IsDerivedFrom")]
    assert r["relatedIdentifiers"][0]["resourceTypeGeneral"] == "Dataset"
    check_renderings(v, assert_valid, [])


def test_deeppavlov_multilingual_list_and_no_licence(tmp_path: Path, assert_valid) -> None:
    root = card(tmp_path, "deeppavlov-bert-base-multilingual-cased-sentence")
    [problem] = problems(root)  # no licence at all: an error for an open-access deposit
    assert problem.field == "license" and "open-access deposit needs a licence" in problem.message
    (root / "publish.yaml").write_text(AUTHOR + "access: {status: restricted}\n")
    v = mapped(root)
    r = v.record
    assert r["titles"][0]["title"] == "bert-base-multilingual-cased-sentence"
    assert r["language"] == "mul"  # language: [multilingual]
    assert r["rightsList"] == [{"rights": "Restricted Access", "rightsUri": "info:eu-repo/semantics/restrictedAccess"}]
    assert r["descriptions"][0]["description"].startswith("Sentence Multilingual BERT")
    assert "relatedIdentifiers" not in r  # arXiv links in the prose are not identifiers of the model
    check_renderings(v, assert_valid, [])


def test_0xid_ppo_heading_spells_out_the_model_index_name(tmp_path: Path, assert_valid) -> None:
    root = card(tmp_path, "0xid-ppo-LunarLander-v2", AUTHOR + "license: MIT\n")
    v = mapped(root)
    r = v.record
    # model-index[0].name is "PPO"; the (indented) H1 spells it out, so it is the better title.
    assert r["titles"][0]["title"] == "PPO Agent Playing LunarLander-v2"
    assert r["descriptions"][0]["description"] == "This is a trained model of a PPO agent playing LunarLander-v2."
    subjects = [s["subject"] for s in r["subjects"]]
    assert {"LunarLander-v2", "ppo", "deep-reinforcement-learning"} <= set(subjects)
    assert r["language"] == "en"  # none in the card: the mapping's default
    check_renderings(v, assert_valid, [])


def test_floydiansound_rail_licence_and_repository_id_title(tmp_path: Path, assert_valid) -> None:
    root = card(tmp_path, "floydiansound-redline-diffusion-v1-5")
    # No H1 (the first heading is "## Informations", a section): without a repository id there is no title.
    titles = [p for p in problems(root) if p.field == "title"]
    assert titles and titles[0].message.startswith("title is required")
    clone_of(root, "FloydianSound/Redline_Diffusion_V1-5")
    v = mapped(root)
    r = v.record
    assert r["titles"][0]["title"] == "FloydianSound/Redline_Diffusion_V1-5"
    # creativeml-openrail-m has no SPDX id: a rights entry with its name and URL, and a warning saying so.
    assert licence(r) == [
        {
            "rights": "CreativeML OpenRAIL-M",
            "rightsUri": "https://huggingface.co/spaces/CompVis/stable-diffusion-license",
            "lang": "en",
        }
    ]
    assert any(
        "creativeml-openrail-m" in w and "the repository will show the rights statement “CreativeML OpenRAIL-M”" in w
        for w in warnings_of(v)
    )
    assert r["descriptions"][0]["description"] == "Fine-tuned SD v1-5 model, 18720 steps, 9 epochs"
    assert {"stable-diffusion", "text-to-image"} <= {s["subject"] for s in r["subjects"]}
    check_renderings(v, assert_valid, [])


def test_code_llama_card_without_front_matter(tmp_path: Path) -> None:
    root = card(tmp_path, "code-llama2-finetune", AUTHOR + "kind: model-weights\n")
    # No front matter: README.md is not a model card, so nothing (not "Model ID") becomes the title.
    [problem] = problems(root)
    assert (problem.field, problem.message) == ("title", "title is required; add it to publish.yaml")
    (root / "publish.yaml").write_text(AUTHOR + "kind: model-weights\ntitle: Code Llama 2 fine-tune\n")
    [problem] = problems(root)  # the licence is prose only: nothing machine-readable
    assert problem.field == "license" and "open-access deposit needs a licence" in problem.message


def test_code_llama_placeholder_heading_is_not_a_title(tmp_path: Path) -> None:
    root = card(tmp_path, "code-llama2-finetune")
    body = (root / "README.md").read_text(encoding="utf-8")
    (root / "README.md").write_text("---\nlicense: llama2\n---\n" + body, encoding="utf-8")  # the same card on the Hub
    titles = [p for p in problems(root) if p.field == "title"]
    assert titles, "'# Model Card for Model ID' and section headings must not become the title"
    (root / "publish.yaml").write_text(AUTHOR + "title: Code Llama 2 fine-tune\n")
    v = mapped(root)
    assert licence(v.record) == [
        {
            "rights": "Llama 2 Community License Agreement",
            "rightsUri": "https://ai.meta.com/llama/license/",
            "lang": "en",
        }
    ]


def test_psmathur_other_licence_without_name(tmp_path: Path, assert_valid) -> None:
    v = mapped(card(tmp_path, "psmathur-orca-mini-v3-13b"))
    r = v.record
    assert r["titles"][0]["title"] == "orca_mini_v3_13b"
    assert r["descriptions"][0]["description"] == "A Llama2-13b model trained on Orca Style datasets."
    assert licence(r) == [{"rights": "Other licence (see the model card)", "lang": "en"}]
    assert any("'other' has no SPDX id" in w and "with no link" in w for w in warnings_of(v))
    assert related(r) == [
        ("https://huggingface.co/datasets/psmathur/orca_mini_v1_dataset", "URL", "IsDerivedFrom"),
        ("https://huggingface.co/datasets/ehartford/dolphin", "URL", "IsDerivedFrom"),
    ]
    assert {"transformers", "text-generation"} <= {s["subject"] for s in r["subjects"]}
    check_renderings(v, assert_valid, [])


def test_falcon_emoji_heading(tmp_path: Path, assert_valid) -> None:
    v = mapped(card(tmp_path, "tiiuae-falcon-40b-instruct"))
    r = v.record
    assert r["titles"][0]["title"] == "Falcon-40B-Instruct"  # "# ✨ Falcon-40B-Instruct": decoration stripped
    assert r["language"] == "en"
    assert licence(r)[0]["rightsIdentifier"] == "Apache-2.0"
    assert r["descriptions"][0]["description"].startswith("**Falcon-40B-Instruct is a 40B parameters causal")
    assert related(r) == [("https://huggingface.co/datasets/tiiuae/falcon-refinedweb", "URL", "IsDerivedFrom")]
    check_renderings(v, assert_valid, [])
