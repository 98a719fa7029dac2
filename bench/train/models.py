#!/usr/bin/env python3
"""The five models of the training benchmark: metadata, FLOP counts and PyTorch modules.

    python3 bench/train/models.py            # one tab-separated line per model (for scripts)

The metadata needs only the standard library; `build()` and `load_data()` import torch and
numpy when called. Each model here has the same shapes as its dlc spec in
bench/train/specs/ (layer for layer; initial weights differ, which does not matter for
throughput).

FLOP convention: only multiply-adds of matrix products and convolutions are counted (dense,
conv2d, the attention projections, Q·Kᵀ and attention·V); bias adds, activations, norms,
pooling, softmax and the optimizer are not. One multiply-add is 2 FLOPs, and a training step
(forward + backward) is counted as 3× the forward FLOPs (the backward pass computes two
products per forward product: the input gradient and the weight gradient). So
train FLOPs per sample = 3 · 2 · forward MACs per sample, for every model, including the
first layer whose input gradient is not actually needed.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DATA = os.path.join(REPO, "bench", ".data")


def _dense(i, o, rows=1):
    return rows * i * o


def _conv(cin, cout, k, h, w):  # stride 1, 'same' padding: output h×w
    return cout * h * w * cin * k * k


# Forward multiply-adds per sample.
MACS = {
    "digits_mlp": _dense(64, 128) + _dense(128, 10),
    "mnist_mlp": _dense(784, 512) + _dense(512, 512) + _dense(512, 10),
    "mnist_bn_mlp": _dense(784, 512) + _dense(512, 10),
    "mnist_cnn": _conv(1, 32, 3, 28, 28) + _conv(32, 64, 3, 14, 14) + _dense(64 * 7 * 7, 128) + _dense(128, 10),
    # L = 32 positions, D = 64, FFN 256: QKV and output projections, Q·Kᵀ and A·V over all
    # heads (L·L·D each), the two FFN denses per position, the classifier on the flattened 2048.
    "seq_transformer": _dense(64, 192, 32) + 2 * 32 * 32 * 64 + _dense(64, 64, 32)
    + _dense(64, 256, 32) + _dense(256, 64, 32) + _dense(32 * 64, 10),
}

# key, title, spec (repo-relative), batch size, data set, target for dlc / torch fused
# samples/s (see bench/README.md, "Training throughput").
MODELS = [
    ("digits_mlp", "digits MLP 64-128-10", "bench/train/specs/digits_mlp.yaml", 64, "digits", 2.0),
    ("mnist_mlp", "MLP 784-512-512-10", "bench/train/specs/mnist_mlp.yaml", 128, "mnist", 1.0),
    ("mnist_bn_mlp", "784-512-BN-ReLU-dropout-10", "bench/train/specs/mnist_bn_mlp.yaml", 128, "mnist", 1.0),
    ("mnist_cnn", "CNN 28×28 conv32-pool-conv64-pool-128-10", "bench/train/specs/mnist_cnn.yaml", 64, "mnist", 0.8),
    ("seq_transformer", "transformer block L32 D64 4 heads FFN256", "bench/train/specs/seq_transformer.yaml", 32,
     "seq", 0.8),
]
BY_KEY = {m[0]: m for m in MODELS}
# Targets of the emitted trainers against PyTorch's fused Adam (and never below the interpreter).
EMITTED_TARGETS = {"digits_mlp": 5.0, "mnist_mlp": 1.5, "mnist_bn_mlp": 1.5, "mnist_cnn": 1.5, "seq_transformer": 1.5}


def train_flops_per_sample(key):
    return 3 * 2 * MACS[key]


def load_data(dataset):
    """(x, y) as numpy arrays: x float32 [n, ...], y int64 [n]."""
    import numpy as np

    if dataset == "digits":
        import csv

        with open(os.path.join(REPO, "specs", "data", "digits.csv")) as f:
            rows = list(csv.reader(f))
        header, body = rows[0], np.array(rows[1:], dtype=np.float64)
        label = header.index("label")
        y = body[:, label].astype(np.int64)
        x = np.delete(body, label, axis=1)
        mean, std = x.mean(axis=0), x.std(axis=0)
        std[std == 0] = 1.0  # constant pixels stay 0 after centring
        return ((x - mean) / std).astype(np.float32), y
    x = np.load(os.path.join(DATA, f"{dataset}_x.npy"))
    y = np.load(os.path.join(DATA, f"{dataset}_y.npy"))
    return x, y


def build(key):
    import torch
    from torch import nn

    if key == "digits_mlp":
        return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    if key == "mnist_mlp":
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    if key == "mnist_bn_mlp":
        return nn.Sequential(nn.Linear(784, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 10))
    if key == "mnist_cnn":
        return nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    if key == "seq_transformer":

        class Block(nn.Module):
            """Post-norm encoder block, as the spec: attn → add → LN → FFN → add → LN → flatten → dense."""

            def __init__(self, d=64, heads=4, ffn=256, length=32):
                super().__init__()
                self.attn = nn.MultiheadAttention(d, heads, bias=True, batch_first=True)
                self.ln1 = nn.LayerNorm(d)
                self.ff = nn.Sequential(nn.Linear(d, ffn), nn.GELU(), nn.Linear(ffn, d))
                self.ln2 = nn.LayerNorm(d)
                self.out = nn.Linear(length * d, 10)

            def forward(self, x):
                a, _ = self.attn(x, x, x, need_weights=False)
                h = self.ln1(x + a)
                h = self.ln2(h + self.ff(h))
                return self.out(torch.flatten(h, 1))

        return Block()
    raise KeyError(key)


if __name__ == "__main__":
    for key, title, spec, batch, dataset, target in MODELS:
        print("\t".join([key, spec, str(batch), str(train_flops_per_sample(key)), str(target), title]))
