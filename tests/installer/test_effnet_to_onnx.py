"""installer/effnet_to_onnx.py on a tiny synthetic EfficientNet-Lite0 (no download, no torch,
no onnx package): the legacy torch file is read without running code, the ONNX it writes
loads in OpenCV and computes what the network computes (batch norm unfolded, in numpy)."""

from __future__ import annotations

import collections
import importlib.util
import io
import pickle
import struct
import sys
import types
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def converter():
    spec = importlib.util.spec_from_file_location("effnet_to_onnx",
                                                  ROOT / "installer" / "effnet_to_onnx.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_state_dict(converter, seed: int = 3) -> dict[str, np.ndarray]:
    """Lite0's layout (its stage table) with 4-8 channels instead of 32-1280."""
    rng = np.random.default_rng(seed)
    sd: dict[str, np.ndarray] = {}

    def conv(name: str, out: int, inp: int, k: int) -> None:
        sd[f"{name}.weight"] = rng.normal(0, 0.4, (out, inp, k, k)).astype(np.float32)

    def bn(name: str, n: int) -> None:
        sd[f"{name}.weight"] = rng.uniform(0.5, 1.5, n).astype(np.float32)
        sd[f"{name}.bias"] = rng.normal(0, 0.1, n).astype(np.float32)
        sd[f"{name}.running_mean"] = rng.normal(0, 0.1, n).astype(np.float32)
        sd[f"{name}.running_var"] = rng.uniform(0.5, 2.0, n).astype(np.float32)
        sd[f"{name}.num_batches_tracked"] = np.array(7, np.int64)

    width = 4
    conv("_conv_stem", width, 3, 3)
    bn("_bn0", width)
    block = 0
    for stage, (repeats, _) in enumerate(converter.STAGES["lite0"]):
        out = 4 + 2 * (stage % 3)  # widths change between stages, so some blocks add, some not
        for r in range(repeats):
            p = f"_blocks.{block}"
            c_in = width
            inner = c_in
            if stage > 0:  # Lite0's first block has no expansion
                inner = c_in * 2
                conv(f"{p}._expand_conv", inner, c_in, 1)
                bn(f"{p}._bn0", inner)
            conv(f"{p}._depthwise_conv", inner, 1, 3 if r % 2 == 0 else 5)
            bn(f"{p}._bn1", inner)
            conv(f"{p}._project_conv", out, inner, 1)
            bn(f"{p}._bn2", out)
            width = out
            block += 1
    conv("_conv_head", 6, width, 1)
    bn("_bn1", 6)
    sd["_fc.weight"] = rng.normal(0, 0.3, (5, 6)).astype(np.float32)
    sd["_fc.bias"] = rng.normal(0, 0.1, 5).astype(np.float32)
    return sd


def write_legacy_torch(sd: dict[str, np.ndarray], path: Path, monkeypatch) -> None:
    """torch.save's legacy (non-zip) format, written with stand-in `torch` modules."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):  # pragma: no cover - only pickled by name
        raise AssertionError

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2  # type: ignore[attr-defined]
    storage_types = {np.dtype(np.float32): "FloatStorage", np.dtype(np.int64): "LongStorage"}
    for name in storage_types.values():
        setattr(torch, name, type(name, (), {"__module__": "torch"}))
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)

    class Storage:
        def __init__(self, key: str, array: np.ndarray) -> None:
            self.key, self.array = key, array

    class Tensor:
        def __init__(self, storage: Storage) -> None:
            self.storage = storage

        def __reduce__(self):
            a = self.storage.array
            stride = tuple(s // a.itemsize for s in a.strides)
            return (_rebuild_tensor_v2, (self.storage, 0, a.shape, stride, False,
                                         collections.OrderedDict()))

    storages = [Storage(str(i), a.copy(order="C")) for i, a in enumerate(sd.values())]

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                kind = getattr(torch, storage_types[obj.array.dtype])
                return ("storage", kind, obj.key, "cpu", obj.array.size)
            return None

    buffer = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
        pickle.dump(header, buffer, protocol=2)
    Pickler(buffer, protocol=2).dump(collections.OrderedDict(
        (name, Tensor(s)) for name, s in zip(sd, storages, strict=True)))
    pickle.dump([s.key for s in storages], buffer, protocol=2)
    for s in storages:
        buffer.write(struct.pack("<q", s.array.size) + s.array.tobytes())
    path.write_bytes(buffer.getvalue())


def reference(sd: dict[str, np.ndarray], converter, x: np.ndarray) -> np.ndarray:
    """The network in numpy, batch norm as a separate step: (3, H, W) → pooled features."""

    def conv(x, w, stride, group=1):
        c, h, wd = x.shape
        k = w.shape[2]
        oh, ow = -(-h // stride), -(-wd // stride)
        ph, pw = max((oh - 1) * stride + k - h, 0), max((ow - 1) * stride + k - wd, 0)
        xp = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)))
        out = np.zeros((w.shape[0], oh, ow), np.float64)
        per_in, per_out = c // group, w.shape[0] // group
        for i in range(k):
            for j in range(k):
                patch = xp[:, i:i + stride * oh:stride, j:j + stride * ow:stride]
                for g in range(group):
                    out[g * per_out:(g + 1) * per_out] += np.einsum(
                        "oc,chw->ohw", w[g * per_out:(g + 1) * per_out, :, i, j],
                        patch[g * per_in:(g + 1) * per_in])
        return out

    def bn(x, name):
        g, b, m, v = (sd[f"{name}.{k}"] for k in ("weight", "bias", "running_mean",
                                                 "running_var"))
        return ((x - m[:, None, None]) / np.sqrt(v[:, None, None] + converter.BN_EPS)
                * g[:, None, None] + b[:, None, None])

    def relu6(x):
        return np.clip(x, 0, 6)

    x = relu6(bn(conv(x, sd["_conv_stem.weight"], 2), "_bn0"))
    block = 0
    for repeats, first_stride in converter.STAGES["lite0"]:
        for r in range(repeats):
            p = f"_blocks.{block}"
            stride = first_stride if r == 0 else 1
            h = x
            if f"{p}._expand_conv.weight" in sd:
                h = relu6(bn(conv(h, sd[f"{p}._expand_conv.weight"], 1), f"{p}._bn0"))
            h = relu6(bn(conv(h, sd[f"{p}._depthwise_conv.weight"], stride, h.shape[0]),
                         f"{p}._bn1"))
            h = bn(conv(h, sd[f"{p}._project_conv.weight"], 1), f"{p}._bn2")
            if stride == 1 and h.shape == x.shape:
                h = h + x
            x = h
            block += 1
    x = relu6(bn(conv(x, sd["_conv_head.weight"], 1), "_bn1"))
    return x.mean(axis=(1, 2))


def test_the_converted_network_computes_what_the_weights_say(converter, tmp_path, monkeypatch):
    sd = tiny_state_dict(converter)
    pth = tmp_path / "tiny.pth"
    write_legacy_torch(sd, pth, monkeypatch)
    loaded = converter.load_state_dict(pth)
    assert set(loaded) == set(sd)
    assert all(np.array_equal(loaded[k], sd[k]) for k in sd)

    out = converter.convert(pth, tmp_path / "models" / "tiny.onnx")
    again = converter.convert(pth, tmp_path / "again.onnx")
    assert out.read_bytes() == again.read_bytes()  # deterministic: a pinned sha256 holds
    assert not list(tmp_path.glob("models/*.part"))

    net = cv2.dnn.readNetFromONNX(str(out))
    x = np.random.default_rng(5).uniform(-1, 1, (1, 3, 224, 224)).astype(np.float32)
    net.setInput(x)
    pooled = net.forward("pool").reshape(-1)
    assert pooled.shape == (6,)
    np.testing.assert_allclose(pooled, reference(sd, converter, x[0].astype(np.float64)),
                               rtol=1e-3, atol=1e-4)


def test_a_weights_file_that_would_run_code_is_refused(converter, tmp_path):
    class Evil:
        def __reduce__(self):
            import os

            return (os.system, ("echo pwned",))

    path = tmp_path / "evil.pth"
    buffer = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001, {}):
        pickle.dump(header, buffer, protocol=2)
    pickle.dump(collections.OrderedDict(x=Evil()), buffer, protocol=2)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(pickle.UnpicklingError, match="refused"):
        converter.load_state_dict(path)


def test_weights_of_another_layout_are_refused_and_nothing_is_written(converter, tmp_path,
                                                                      monkeypatch):
    sd = {k: v for k, v in tiny_state_dict(converter).items() if not k.startswith("_blocks.15.")}
    pth = tmp_path / "short.pth"
    write_legacy_torch(sd, pth, monkeypatch)
    with pytest.raises(ValueError, match="15 blocks"):
        converter.convert(pth, tmp_path / "out.onnx")
    assert not (tmp_path / "out.onnx").exists()
    assert converter.main(["--weights", str(tmp_path / "nowhere"), str(tmp_path / "o.onnx")]) == 1
