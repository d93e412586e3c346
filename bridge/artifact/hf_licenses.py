"""Hugging Face licence ids that have no SPDX id: the name and URL a repository can show for them.

Facts from the Hugging Face Hub's licence list (https://huggingface.co/docs/hub/repositories-licenses) and
the licensors' pages. A card with one of these ids is not refused: the deposit gets a DataCite ``rights``
entry with this name and URL (no SPDX identifier), and ``bridge validate`` warns what the repository will
show. ``license_name`` / ``license_link`` in the card win over this table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HubLicence:
    """A licence known by its Hugging Face id only."""

    name: str
    url: str | None


HF_DOCS = "https://huggingface.co/docs/hub/repositories-licenses"
HUB_LICENCES: dict[str, HubLicence] = {
    "openrail": HubLicence("Open RAIL (Responsible AI License) family", "https://huggingface.co/blog/open_rail"),
    "openrail++": HubLicence("OpenRAIL++-M License", None),
    "creativeml-openrail-m": HubLicence(
        "CreativeML OpenRAIL-M", "https://huggingface.co/spaces/CompVis/stable-diffusion-license"
    ),
    "bigscience-openrail-m": HubLicence(
        "BigScience OpenRAIL-M", "https://bigscience.huggingface.co/blog/bigscience-openrail-m"
    ),
    "bigscience-bloom-rail-1.0": HubLicence(
        "BigScience BLOOM RAIL 1.0", "https://bigscience.huggingface.co/blog/the-bigscience-rail-license"
    ),
    "bigcode-openrail-m": HubLicence(
        "BigCode Open RAIL-M v1", "https://www.bigcode-project.org/docs/pages/bigcode-openrail/"
    ),
    "llama2": HubLicence("Llama 2 Community License Agreement", "https://ai.meta.com/llama/license/"),
    "llama3": HubLicence("Meta Llama 3 Community License", "https://llama.meta.com/llama3/license/"),
    "llama3.1": HubLicence("Llama 3.1 Community License", "https://llama.meta.com/llama3_1/license/"),
    "llama3.2": HubLicence("Llama 3.2 Community License", "https://www.llama.com/llama3_2/license/"),
    "llama3.3": HubLicence("Llama 3.3 Community License", "https://www.llama.com/llama3_3/license/"),
    "llama4": HubLicence("Llama 4 Community License", "https://www.llama.com/llama4/license/"),
    "gemma": HubLicence("Gemma Terms of Use", "https://ai.google.dev/gemma/terms"),
    "deepfloyd-if-license": HubLicence(
        "DeepFloyd IF License Agreement", "https://huggingface.co/spaces/DeepFloyd/deepfloyd-if-license"
    ),
    "apple-ascl": HubLicence("Apple Sample Code License", None),
    "apple-amlr": HubLicence("Apple Machine Learning Research Model License", None),
    "fair-noncommercial-research-license": HubLicence("FAIR Noncommercial Research License", None),
    "intel-research": HubLicence("Intel Research Use License", None),
    "h-research": HubLicence("H Research License", None),
    "openmdw-1.0": HubLicence("OpenMDW License 1.0", None),
    # Families whose version the id does not say.
    "bsd": HubLicence("BSD licence (version not stated)", None),
    "cc": HubLicence("Creative Commons licence (which one not stated)", None),
    "gfdl": HubLicence("GNU Free Documentation License (version not stated)", None),
    "gpl": HubLicence("GNU General Public License (version not stated)", None),
    "lgpl": HubLicence("GNU Lesser General Public License (version not stated)", None),
    "lgpl-lr": HubLicence("GNU Lesser General Public License for Language Resources", None),
    "other": HubLicence("Other licence (see the model card)", None),
}
NO_LICENCE = frozenset({"unknown", "none", "noassertion"})


def hub_licence(value: str) -> HubLicence | None:
    """Return the Hub licence for an id without SPDX equivalent (any letter case), else None."""
    return HUB_LICENCES.get(value.strip().lower())
