"""Write the weights of the example model artefact and the damaged tensor files of the bad fixtures.

Run from the repository root: ``python scripts/make_fixture_weights.py``. The seed is fixed and
the header is rewritten with sorted keys, so the output is byte-for-byte reproducible and
committed. numpy and safetensors are test-time tools here, never runtime dependencies of ``bridge``.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
from safetensors.numpy import save

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SEED = 20261125
CLASSES = 10  # ten plant species of the PlantNet-300K subset in the fixture's story


def plant_cnn(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Return the tensors of a two-conv-layer CNN for 3x32x32 images, He-initialised."""

    def he(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    return {
        "features.0.weight": he((8, 3, 3, 3), 3 * 9),
        "features.0.bias": np.zeros(8, dtype=np.float32),
        "features.1.weight": np.ones(8, dtype=np.float32),  # batch norm scale
        "features.1.bias": np.zeros(8, dtype=np.float32),
        "features.1.running_mean": (rng.standard_normal(8) * 0.1).astype(np.float32),
        "features.1.running_var": (1.0 + rng.random(8) * 0.1).astype(np.float32),
        "features.3.weight": he((16, 8, 3, 3), 8 * 9),
        "features.3.bias": np.zeros(16, dtype=np.float32),
        "classifier.weight": he((CLASSES, 16), 16),
        "classifier.bias": np.zeros(CLASSES, dtype=np.float32),
    }


def write_model(path: Path) -> None:
    """Write the example model with a small __metadata__ block, as training frameworks do."""
    rng = np.random.default_rng(SEED)
    tensors = plant_cnn(rng)
    metadata = {
        "format": "pt",
        "architecture": "conv3x3(8)-bn-relu-pool-conv3x3(16)-relu-gap-linear(10)",
        "input_shape": "3x32x32",
        "classes": str(CLASSES),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(canonical(save(tensors, metadata=metadata)))


def canonical(data: bytes) -> bytes:
    """Return the file with its JSON header keys sorted: safetensors orders __metadata__ by hash, per run."""
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + length])
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    if len(text) > length:
        raise SystemExit("canonical header is longer than the original; cannot rewrite in place")
    return data[:8] + text.ljust(length, b" ") + data[8 + length :]


def write_corrupt_header(path: Path) -> None:
    """Write a file whose header length is right but whose header is not JSON (cut mid-object)."""
    header = b'{"classifier.bias":{"dtype":"F32","shape":[10],"data_offsets":[0,40]'  # no closing braces
    body = bytes(40)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<Q", len(header)) + header + body)


def write_truncated(path: Path) -> None:
    """Write a valid header whose data_offsets point past the end of the file (a cut-off download)."""
    header = json.dumps(
        {
            "classifier.bias": {"dtype": "F32", "shape": [10], "data_offsets": [0, 40]},
            "classifier.weight": {"dtype": "F32", "shape": [10, 16], "data_offsets": [40, 680]},
        },
        separators=(",", ":"),
    ).encode()
    header += b" " * (-len(header) % 8)  # safetensors pads the header to 8 bytes with spaces
    body = bytes(100)  # 580 bytes short
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<Q", len(header)) + header + body)


def main() -> None:
    write_model(FIXTURES / "plant-classifier" / "model.safetensors")
    write_corrupt_header(FIXTURES / "bad" / "safetensors-corrupt-header" / "model.safetensors")
    write_truncated(FIXTURES / "bad" / "safetensors-truncated" / "model.safetensors")


if __name__ == "__main__":
    main()
