"""Writes the binary files of the error cases under golden/errors: the damaged checkpoints
that eval_checkpoint_*.yaml give to 'dlc eval', and the checkpoint and damaged NPY inputs
that predict_*.yaml give to 'dlc predict'.

Each checkpoint is a small safetensors file for the cases' spec 'eval_spec' (iris, one
dense layer, standardized inputs), with one thing wrong unless it is checkpoint_ok.
Run from this folder: python3 make_files.py
"""
import json
import struct

SPEC = "dlc: 1\nname: eval_spec\n"


def tensors(weight=None):
    """The model's tensors: name -> (dtype, shape, little-endian bytes)."""
    f32 = lambda values: struct.pack("<%df" % len(values), *values)
    return {
        "dense_1.weight": ("F32", [3, 4], f32(weight or [0.1] * 12)),
        "dense_1.bias": ("F32", [3], f32([0.0] * 3)),
        "preprocess.mean": ("F32", [4], f32([5.8, 3.0, 3.8, 1.2])),
        "preprocess.std": ("F32", [4], f32([0.8, 0.4, 1.8, 0.8])),
    }


def write(name, ts, metadata=None, header=None, tail=b""):
    """Writes `ts` as safetensors; `header` replaces the JSON header, `tail` follows the data."""
    entries, data = {"__metadata__": metadata if metadata is not None else {"dlc.spec": SPEC, "dlc.seed": "0"}}, b""
    for key, (dtype, shape, raw) in ts.items():
        entries[key] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = header if header is not None else json.dumps(entries).encode()
    with open(name, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data + tail)


ts = tensors()
write("checkpoint_not_json.safetensors", ts, header=b"{this is not json}")
with open("checkpoint_header_length.safetensors", "wb") as f:
    f.write(struct.pack("<Q", 1 << 40) + b"{}")
truncated = dict(ts)
write("checkpoint_truncated.safetensors", truncated)
with open("checkpoint_truncated.safetensors", "r+b") as f:
    f.truncate(f.seek(0, 2) - 20)
odd = dict(ts)
odd["dense_1.bias"] = ("Q7", [3], odd["dense_1.bias"][2])
write("checkpoint_dtype.safetensors", odd)
write("checkpoint_offsets.safetensors", ts,
      header=json.dumps({"__metadata__": {"dlc.spec": SPEC, "dlc.seed": "0"},
                         "dense_1.weight": {"dtype": "F32", "shape": [3, 4], "data_offsets": [48, 0]}}).encode())
write("checkpoint_other_spec.safetensors", ts, metadata={"dlc.spec": "dlc: 1\nname: wine\n", "dlc.seed": "0"})
write("checkpoint_no_seed.safetensors", ts, metadata={"dlc.spec": SPEC})
missing = dict(ts)
del missing["dense_1.bias"]
write("checkpoint_missing_tensor.safetensors", missing)
wrong = dict(ts)
wrong["dense_1.weight"] = ("F32", [4, 3], wrong["dense_1.weight"][2])
write("checkpoint_wrong_shape.safetensors", wrong)
write("checkpoint_nan.safetensors", tensors(weight=[0.1] * 5 + [float("nan")] + [0.1] * 6))
unnormalized = dict(ts)
del unnormalized["preprocess.mean"], unnormalized["preprocess.std"]
write("checkpoint_no_statistics.safetensors", unnormalized)
write("checkpoint_ok.safetensors", ts)


def npy(name, descr="<f4", fortran=False, shape=(2, 4), data=None, header=None, magic=b"\x93NUMPY\x01\x00"):
    """Writes an NPY file of float32 zeros; each argument spoils one part."""
    text = header if header is not None else (
        "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (descr, fortran, ", ".join(map(str, shape)) + ("," if len(shape) == 1 else ""))
    ).encode()
    text += b" " * ((64 - (len(magic) + 2 + len(text) + 1) % 64) % 64) + b"\n"
    body = data if data is not None else b"\x00" * (4 * shape[0] * shape[1])
    with open(name, "wb") as f:
        f.write(magic + struct.pack("<H", len(text)) + text + body)


npy("input_big_endian.npy", descr=">f4")
npy("input_dtype.npy", descr="<c8")
npy("input_fortran.npy", fortran=True)
npy("input_header.npy", header=b"{'descr': '<f4', 'shape': }")
npy("input_truncated.npy", data=b"\x00" * 12)
npy("input_too_large.npy", shape=(1 << 40, 1 << 30), data=b"")
npy("input_shape.npy", shape=(2, 3), data=b"\x00" * 24)


def resumable(folder, epoch, step, seed="0"):
    """A run folder `folder/eval_spec/` whose last checkpoint 'dlc train --resume' reads."""
    import os
    os.makedirs(folder + "/eval_spec", exist_ok=True)
    full = dict(ts)
    for name in ["dense_1.weight", "dense_1.bias"]:
        dtype, shape, raw = ts[name]
        full[name + ".exp_avg"] = (dtype, shape, b"\x00" * len(raw))
        full[name + ".exp_avg_sq"] = (dtype, shape, b"\x00" * len(raw))
    write(folder + "/eval_spec/last.safetensors", full, metadata={
        "dlc.spec": SPEC, "dlc.seed": seed, "dlc.epoch": str(epoch), "dlc.step": str(step),
        "dlc.rng_position": json.dumps({"epoch": epoch, "step": step}, separators=(",", ":"))})


resumable("runs_other_seed", epoch=1, step=6, seed="5")
resumable("runs_bad_step", epoch=1, step=999)
resumable("runs_finished", epoch=5, step=30)
bad_size = dict(ts)
bad_size["dense_1.weight"] = ("F32", [3, 4], ts["dense_1.weight"][2][:40])
write("checkpoint_tensor_size.safetensors", bad_size)
