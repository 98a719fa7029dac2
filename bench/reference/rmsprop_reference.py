"""Records torch.optim.RMSprop on fixed tensors: the fixture the RMSprop kernel test reads.

    bench/.venv/bin/python bench/reference/rmsprop_reference.py   # (bash bench/setup_venv.sh)

Writes rmsprop_reference.json beside this script: for every combination of momentum,
centered and weight_decay (and two smoothing constants, one of them below 0.5 so that
`lerp_` takes its other branch), the parameter and state after each of 10 steps of
`torch.optim.RMSprop(foreach=False)`, PyTorch's single-tensor implementation, from one
initial parameter and one sequence of float32 gradients. The test suite reads only the
JSON; it does not need PyTorch.
"""

import itertools
import json
import pathlib

import numpy as np
import torch

STEPS = 10
SIZE = 9
LR = 0.01


def gradients():
    """Ten float32 gradients of mixed scale and sign, some entries zero."""
    rng = np.random.default_rng(2024)
    g = rng.standard_normal((STEPS, SIZE)).astype(np.float32)
    g[:, 0] *= 1e-3
    g[:, 1] *= 50.0
    g[3, 2] = 0.0
    return g


def run(theta0, grads, alpha, eps, momentum, centered, weight_decay):
    p = torch.nn.Parameter(torch.tensor(theta0, dtype=torch.float32))
    opt = torch.optim.RMSprop([p], lr=LR, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                              centered=centered, foreach=False)
    steps = []
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float32)
        opt.step()
        state = opt.state[p]
        record = {"param": p.detach().tolist(), "square_avg": state["square_avg"].tolist()}
        if momentum > 0:
            record["momentum_buffer"] = state["momentum_buffer"].tolist()
        if centered:
            record["grad_avg"] = state["grad_avg"].tolist()
        steps.append(record)
    return steps


def main():
    theta0 = np.linspace(-1.5, 2.0, SIZE).astype(np.float32)
    grads = gradients()
    cases = []
    for alpha, momentum, centered, weight_decay in itertools.product([0.99, 0.3], [0.0, 0.9], [False, True], [0.0, 0.01]):
        cases.append({
            "lr": LR, "alpha": alpha, "eps": 1e-8, "momentum": momentum, "centered": centered,
            "weight_decay": weight_decay,
            "steps": run(theta0, grads, alpha, 1e-8, momentum, centered, weight_decay),
        })
    out = {
        "source": f"torch {torch.__version__}, torch.optim.RMSprop(foreach=False)",
        "param0": theta0.tolist(),
        "gradients": grads.tolist(),
        "cases": cases,
    }
    path = pathlib.Path(__file__).with_name("rmsprop_reference.json")
    # One case per line: small diffs when a case changes, a file of a few hundred lines.
    lines = [json.dumps({k: v for k, v in out.items() if k != "cases"})[:-1] + ', "cases": [']
    lines += [json.dumps(c) + ("," if i < len(cases) - 1 else "") for i, c in enumerate(cases)]
    path.write_text("\n".join(lines) + "\n]}\n")
    print(f"wrote {path} ({len(cases)} cases of {STEPS} steps)")


if __name__ == "__main__":
    main()
