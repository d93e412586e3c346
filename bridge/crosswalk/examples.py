"""Realistic example artefacts, one per shipped mapping, for tests, documentation and previews.

DOIs use DataCite's documentation prefix 10.82433, and the ORCID iDs are ORCID's fictional Josiah
Carberry and made-up checksum-valid ones, so no real work or person is misattributed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bridge.artifact.model import (
    Access,
    Affiliation,
    Artifact,
    Creator,
    FileInfo,
    Funding,
    Metadata,
    Publisher,
    RelatedIdentifier,
    Subject,
)

CSIC = Affiliation(name="Consejo Superior de Investigaciones Científicas (CSIC)", ror="https://ror.org/02gfc7t72")
DEEP_GRANT = Funding(
    funder_name="European Commission",
    funder_id="https://doi.org/10.13039/501100000780",
    award_number="777435",
    award_title="Designing and Enabling E-Infrastructures for intensive data Processing in a Hybrid DataCloud",
    program="H2020",
)


def _file(path: str, size: int, media_type: str, fmt: str) -> FileInfo:
    return FileInfo(path=path, size=size, md5="0" * 32, sha256="0" * 64, media_type=media_type, format=fmt)


def model_weights(root: Path = Path("run-42")) -> Artifact:
    """Return trained weights derived from a dataset DOI, compiled by public code, funded by DEEP."""
    metadata = Metadata(
        kind="model-weights",
        title="Plant species classifier: ResNet-50 weights trained on PlantNet-300K",
        creators=[
            Creator(
                given_name="Josiah",
                family_name="Carberry",
                orcid="https://orcid.org/0000-0002-1825-0097",
                affiliation=[CSIC],
            ),
            Creator(
                given_name="Laura",
                family_name="Fernández",
                orcid="0000-0003-1234-5674",
                affiliation=[Affiliation(name="Universidad de Cantabria", ror="https://ror.org/046ffzj20")],
            ),
        ],
        contributors=[
            Creator(
                name="DEEP-Hybrid-DataCloud support team", name_type="Organizational", contributor_type="ContactPerson"
            )
        ],
        description="Weights of a ResNet-50 image classifier for 1081 plant species.",
        technical_info="PyTorch 2.2, float32 tensors in safetensors format; input 224x224 RGB.",
        license="Apache-2.0",
        funding=[DEEP_GRANT],
        related=[
            RelatedIdentifier(
                identifier="https://doi.org/10.82433/plantnet-300k",
                relation_type="IsDerivedFrom",
                resource_type_general="Dataset",
            ),
            RelatedIdentifier(identifier="https://github.com/example/plant-classifier", relation_type="code"),
            RelatedIdentifier(identifier="10.82433/plant-classifier-paper", relation_type="paper"),
        ],
        version="1.2.0",
        keywords=["image classification", "plants"],
        date_released=dt.date(2024, 3, 15),
        date_created=dt.date(2024, 2, 28),
    )
    files = [
        _file("model.safetensors", 94_371_840, "application/octet-stream", "safetensors"),
        _file("config.json", 2_048, "application/json", "json"),
    ]
    return Artifact(root=root, metadata=metadata, files=files, sources=["publish.yaml", "CITATION.cff"])


def anonymised_logs(root: Path = Path("logs-2023")) -> Artifact:
    """Return an embargoed dataset of anonymised monitoring logs with its anonymisation method."""
    metadata = Metadata(
        kind="anonymised-logs",
        title="Anonymised job-scheduler logs of a research cloud, 2023",
        creators=[
            Creator(given_name="Ana", family_name="García López", orcid="0000-0002-1694-233X", affiliation=[CSIC])
        ],
        description="One year of batch-system events from a federated research cloud.",
        methods="User names, IP addresses and host names replaced by keyed HMAC-SHA256 pseudonyms; free text removed.",
        license="CC-BY-4.0",
        access=Access(status="embargoed", embargo_until=dt.date(2030, 1, 1)),
        funding=[DEEP_GRANT.model_copy(update={"program": None})],
        related=[RelatedIdentifier(identifier="https://github.com/example/log-anonymiser", relation_type="code")],
        keywords=["batch scheduling"],
        date_released=dt.date(2024, 6, 1),
        collected="2023-01-01/2023-12-31",
    )
    files = [
        _file("events.jsonl.gz", 52_428_800, "application/gzip", "gzip"),
        _file("schema.json", 4_096, "application/json", "json"),
    ]
    return Artifact(root=root, metadata=metadata, files=files, sources=["publish.yaml"])


def satellite_products(root: Path = Path("spei-2019")) -> Artifact:
    """Return a NetCDF/CSV satellite product with a collection interval and a national grant."""
    metadata = Metadata(
        kind="satellite-products",
        title="Monthly soil moisture over the Iberian Peninsula from Sentinel-1, 2019",
        creators=[
            Creator(name="Spanish National Research Council Remote Sensing Group", name_type="Organizational"),
            Creator(given_name="Marta", family_name="Ruiz", affiliation=[CSIC]),
        ],
        description="Gridded monthly surface soil moisture at 1 km derived from Sentinel-1 backscatter.",
        license="CC-BY-4.0",
        funding=[
            Funding(
                funder_name="Agencia Estatal de Investigación",
                funder_id="10.13039/501100011033",
                award_number="PID2019-000000RB-I00",
            )
        ],
        related=[RelatedIdentifier(identifier="10.82433/s1-grd-iberia-2019", relation_type="dataset")],
        subjects=[
            Subject(
                term="FOS: Earth and related environmental sciences",
                scheme="Fields of Science and Technology (FOS)",
                scheme_uri="http://www.oecd.org/science/inno",
                value_uri="http://www.oecd.org/science/inno/38235147.pdf",
            )
        ],
        keywords=["soil moisture", "Sentinel-1"],
        publisher=Publisher(name="Consejo Superior de Investigaciones Científicas (CSIC)", ror="02gfc7t72"),
        language="en",
        date_released=dt.date(2024, 9, 30),
        collected="2019-01-01/2019-12-31",
    )
    files = [
        _file("sm_2019.nc", 734_003_200, "application/x-netcdf", "netcdf"),
        _file("stations.csv", 65_536, "text/csv", "csv"),
        _file("validation.csv", 65_536, "text/csv", "csv"),
    ]
    return Artifact(root=root, metadata=metadata, files=files, sources=["metadata.json"])


EXAMPLES = {
    "model-weights": model_weights,
    "anonymised-logs": anonymised_logs,
    "satellite-products": satellite_products,
}
