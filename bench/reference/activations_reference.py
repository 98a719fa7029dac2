"""Records PyTorch's activations on fixed points: the fixture the activation tests read.

    bench/.venv/bin/python bench/reference/activations_reference.py   # (bash bench/setup_venv.sh)

Writes activations_reference.json beside this script. For every pointwise activation of the
catalog (with one or two parameter settings each) it records, in float32, the forward value
and the derivative autograd gives (the gradient of the sum, so dy = 1) at fixed points: the
kinks (0, ±1, ±3, 6, the softplus threshold) and points just either side of them, small and
large |x|. Where PyTorch has the op the recorded function is PyTorch's (`torch.nn.functional`);
ELiSH, HardELiSH and SERLU, which PyTorch lacks, are written from their papers with torch ops,
so autograd defines their derivative and its value at a kink (`torch.where` takes the branch
its condition selects; `torch.clamp` passes the gradient at its bounds). `relu` with a shift
is `relu(x) - shift`; `swish` with beta is `x * sigmoid(beta * x)`.

For log_softmax (rows along the last axis) it records rows of inputs, an upstream gradient and
PyTorch's output and input gradient. The test suite reads only the JSON; it does not need
PyTorch.
"""

import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

POINTS = [
    -100.0, -50.0, -20.0, -10.0, -6.0, -4.0, -3.001, -3.0, -2.999, -2.0, -1.001, -1.0, -0.999, -0.5, -0.1,
    -1e-3, -1e-6, 0.0, 1e-6, 1e-3, 0.1, 0.5, 0.999, 1.0, 1.001, 2.0, 2.999, 3.0, 3.001, 4.0, 4.999, 5.0, 5.001,
    5.999, 6.0, 6.001, 10.0, 15.0, 19.999, 20.0, 20.001, 30.0, 50.0, 100.0,
]


def negative_part(x):
    """min(x, 0): the unselected branch of a `torch.where` must stay finite, or its zero
    gradient times an infinite eˣ makes the derivative NaN (the forward is unchanged)."""
    return torch.clamp(x, max=0)


def elish(x):
    """Basirat & Roth 2018: x·σ(x) for x ≥ 0, (eˣ − 1)·σ(x) below."""
    return torch.where(x >= 0, x, torch.exp(negative_part(x)) - 1) * torch.sigmoid(x)


def hard_elish(x):
    """Basirat & Roth 2018: x·max(0, min(1, (x + 1)/2)) for x ≥ 0, (eˣ − 1)·max(0, min(1, (x + 1)/2)) below."""
    return torch.where(x >= 0, x, torch.exp(negative_part(x)) - 1) * torch.clamp((x + 1) / 2, 0, 1)


def serlu(lam, alpha):
    """Zhang & Li 2018: λx for x ≥ 0, λαx·eˣ below."""
    return lambda x: torch.where(x >= 0, lam * x, lam * alpha * x * torch.exp(negative_part(x)))


# (name, parameters in the row's order, function)
CASES = [
    ("relu", {}, F.relu),
    ("shifted_relu", {"shift": 0.5}, lambda x: F.relu(x) - 0.5),
    ("leaky_relu", {"slope": 0.01}, lambda x: F.leaky_relu(x, 0.01)),
    ("leaky_relu", {"slope": 0.2}, lambda x: F.leaky_relu(x, 0.2)),
    ("sigmoid", {}, torch.sigmoid),
    ("tanh", {}, torch.tanh),
    ("gelu", {"approximate": "none"}, lambda x: F.gelu(x, approximate="none")),
    ("gelu", {"approximate": "tanh"}, lambda x: F.gelu(x, approximate="tanh")),
    ("elu", {"alpha": 1.0}, lambda x: F.elu(x, 1.0)),
    ("elu", {"alpha": 0.5}, lambda x: F.elu(x, 0.5)),
    ("selu", {}, F.selu),
    ("celu", {"alpha": 1.0}, lambda x: F.celu(x, 1.0)),
    ("celu", {"alpha": 0.7}, lambda x: F.celu(x, 0.7)),
    ("silu", {}, F.silu),
    ("swish", {"beta": 1.0}, lambda x: x * torch.sigmoid(1.0 * x)),
    ("swish", {"beta": 1.5}, lambda x: x * torch.sigmoid(1.5 * x)),
    ("mish", {}, F.mish),
    ("elish", {}, elish),
    ("hard_elish", {}, hard_elish),
    ("serlu", {"lambda": 1.07862, "alpha": 2.90427}, serlu(1.07862, 2.90427)),
    ("serlu", {"lambda": 1.0, "alpha": 0.5}, serlu(1.0, 0.5)),
    ("softplus", {"beta": 1.0, "threshold": 20.0}, lambda x: F.softplus(x, 1.0, 20.0)),
    ("softplus", {"beta": 2.0, "threshold": 10.0}, lambda x: F.softplus(x, 2.0, 10.0)),
    ("softsign", {}, F.softsign),
    ("hard_sigmoid", {}, F.hardsigmoid),
    ("hard_swish", {}, F.hardswish),
    ("hard_tanh", {"min": -1.0, "max": 1.0}, lambda x: F.hardtanh(x, -1.0, 1.0)),
    ("hard_tanh", {"min": -2.0, "max": 0.5}, lambda x: F.hardtanh(x, -2.0, 0.5)),
    ("relu6", {}, F.relu6),
    ("log_sigmoid", {}, F.logsigmoid),
]


def record(name, parameters, function):
    """The forward values and autograd's derivative (dy = 1) at every point, in float32."""
    x = torch.tensor(POINTS, dtype=torch.float32, requires_grad=True)
    y = function(x)
    y.sum().backward()
    return {"name": name, "parameters": parameters, "y": y.detach().tolist(), "dx": x.grad.tolist()}


def log_softmax_case():
    """Rows of 5 along the last axis: mixed values, equal values, and a row whose exponentials overflow without the max."""
    rng = np.random.default_rng(13)
    rows = rng.standard_normal((3, 5)).astype(np.float32) * 3
    rows = np.concatenate([rows, np.array([[1000, 999, -1000, 0, 998.5], [2, 2, 2, 2, 2]], dtype=np.float32)])
    dy = rng.standard_normal(rows.shape).astype(np.float32)
    x = torch.tensor(rows, requires_grad=True)
    y = F.log_softmax(x, dim=-1)
    y.backward(torch.tensor(dy))
    return {"x": rows.tolist(), "dy": dy.tolist(), "y": y.detach().tolist(), "dx": x.grad.tolist()}


def main():
    fixture = {
        "torch": torch.__version__,
        "points": [float(np.float32(p)) for p in POINTS],
        "cases": [record(*case) for case in CASES],
        "log_softmax": log_softmax_case(),
    }
    out = pathlib.Path(__file__).with_name("activations_reference.json")
    out.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {out} ({len(CASES)} cases at {len(POINTS)} points)")


if __name__ == "__main__":
    main()
