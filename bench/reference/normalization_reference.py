"""Records PyTorch's group, instance and (affine-free) batch normalization on fixed
tensors: the fixture the normalization kernel tests read.

    bench/.venv/bin/python bench/reference/normalization_reference.py   # (bash bench/setup_venv.sh)

Writes normalization_reference.json beside this script. For every case: the input x, the
affine weight and bias (when the layer has them), a fixed upstream gradient dy, and what
PyTorch computes in training mode: the output y, the gradients of x, weight and bias
(y·dy summed is the loss), and for batchnorm the running statistics after that one
step and the eval-mode output with them. Cases cover `nn.GroupNorm` with several group
counts, affine on and off, on (N, C, H, W), (N, C) and (N, L, D) inputs (PyTorch's
(N, C, *) convention: channels are the first axis after the batch); `nn.InstanceNorm2d`
and `nn.InstanceNorm1d` (running statistics off, affine on and off); and
`nn.BatchNorm1d`/`nn.BatchNorm2d` with `affine=False`. The test suite reads only the
JSON; it does not need PyTorch.
"""

import json
import pathlib

import numpy as np
import torch


def tensor(rng, shape, scale=1.0, shift=0.0):
    return (rng.standard_normal(shape) * scale + shift).astype(np.float32)


def record(module, x, dy, affine, running=False):
    xt = torch.tensor(x, requires_grad=True)
    module.train()
    y = module(xt)
    (y * torch.tensor(dy)).sum().backward()
    out = {"y": y.detach().flatten().tolist(), "dx": xt.grad.flatten().tolist()}
    if affine:
        out["dgamma"] = module.weight.grad.tolist()
        out["dbeta"] = module.bias.grad.tolist()
    if running:
        out["running_mean"] = module.running_mean.tolist()
        out["running_var"] = module.running_var.tolist()
        module.eval()
        with torch.no_grad():
            out["eval_y"] = module(torch.tensor(x)).flatten().tolist()
    return out


def with_affine(module, rng, channels):
    with torch.no_grad():
        module.weight.copy_(torch.tensor(tensor(rng, [channels], 0.5, 1.0)))
        module.bias.copy_(torch.tensor(tensor(rng, [channels], 0.5)))
    return {"gamma": module.weight.detach().tolist(), "beta": module.bias.detach().tolist()}


def shortest(value):
    if isinstance(value, dict):
        return {k: shortest(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shortest(v) for v in value]
    if isinstance(value, float):
        return float(np.format_float_positional(np.float32(value), unique=True, trim="0"))
    return value


def main():
    rng = np.random.default_rng(13)
    cases = []

    def add(name, op, module, shape, affine, channels, **extra):
        # Inputs with an offset and a spread that differ per case, so mean and variance matter.
        x = tensor(rng, shape, 2.0, 0.7)
        dy = tensor(rng, shape)
        case = {"name": name, "op": op, "shape": list(shape), "affine": affine, "eps": module.eps, **extra}
        if affine:
            case.update(with_affine(module, rng, channels))
        case.update({"x": x.flatten().tolist(), "dy": dy.flatten().tolist()})
        case.update(record(module, x, dy, affine, running=(op == "batchnorm")))
        cases.append(case)

    for groups in [1, 2, 3, 6]:
        for affine in [True, False]:
            add(f"groupnorm_chw_g{groups}_{'affine' if affine else 'plain'}", "groupnorm",
                torch.nn.GroupNorm(groups, 6, eps=1e-5, affine=affine), (2, 6, 3, 4), affine, 6, groups=groups)
    add("groupnorm_c_g3_affine", "groupnorm", torch.nn.GroupNorm(3, 6, affine=True), (4, 6), True, 6, groups=3)
    add("groupnorm_ld_g2_affine", "groupnorm", torch.nn.GroupNorm(2, 4, eps=1e-3, affine=True), (2, 4, 6), True, 4, groups=2)
    for affine in [False, True]:
        add(f"instancenorm2d_{'affine' if affine else 'plain'}", "instancenorm",
            torch.nn.InstanceNorm2d(5, affine=affine), (2, 5, 3, 3), affine, 5, groups=5)
    add("instancenorm1d_plain", "instancenorm", torch.nn.InstanceNorm1d(4, eps=1e-3), (2, 4, 7), False, 4, groups=4)
    for momentum in [0.1, 0.3]:
        add(f"batchnorm2d_plain_m{momentum}", "batchnorm", torch.nn.BatchNorm2d(3, momentum=momentum, affine=False),
            (4, 3, 3, 4), False, 3, momentum=momentum)
    add("batchnorm1d_plain", "batchnorm", torch.nn.BatchNorm1d(5, momentum=0.1, affine=False), (8, 5), False, 5, momentum=0.1)

    # Each float32 as its shortest decimal that reads back to the same float32; one case a line.
    path = pathlib.Path(__file__).with_suffix(".json")
    lines = [json.dumps(shortest(c), separators=(",", ":")) for c in cases]
    path.write_text('{"torch":"' + torch.__version__ + '","cases":[\n' + ",\n".join(lines) + "\n]}\n")
    print(f"wrote {len(cases)} cases to {path.name}")


if __name__ == "__main__":
    main()
