"""Records what is deterministic about PyTorch's and Keras's initializers: the fixture the
initializer tests read.

    bench/.venv/bin/python bench/reference/initializers_reference.py   # (bash bench/setup_venv.sh)

Writes initializers_reference.json beside this script:

- `gains`: torch.nn.init.calculate_gain for each nonlinearity;
- `fans`: torch.nn.init._calculate_fan_in_and_fan_out for dense and conv weight shapes;
- `scales`: per weight shape, the std or bound of every fan-based initializer: xavier and
  kaiming from torch's helpers and the formulas of torch.nn.init, lecun and
  variance_scaling from the formulas of keras.initializers.VarianceScaling (Keras is not
  installed; its code divides the pre-truncation std by the constant 0.87962566103423978,
  recorded here next to the value computed from the normal distribution);
- `erfinv`: torch.special.erfinv in float64 at points up to 1 − 2⁻²⁴, the range a
  24-bit uniform reaches;
- `truncated_normal`: for several (mean, std, a, b), the map torch.nn.init.trunc_normal_
  applies to a uniform u (u → 2l − 1 + (2u − 2l)·u, erfinv, ·std·√2, + mean, clamp), on
  fixed u in float64, and the mean and std of the truncated distribution (closed form);
- `orthogonal`: for several shapes, a fixed normal matrix and the factor
  torch.nn.init.orthogonal_ makes of it (torch.linalg.qr, Q times the signs of R's
  diagonal, transposed for wide shapes), and the largest |WᵀW − gain²·I| (or |WWᵀ − …| for
  wide shapes) of torch.nn.init.orthogonal_ itself in float32 (the matrix and factor only
  for small shapes).

The test suite reads only the JSON; it does not need PyTorch.
"""

import json
import math
import pathlib

import numpy as np
import torch

KERAS_TRUNCATION = 0.87962566103423978  # keras/src/initializers/random_initializers.py


def normal_cdf(x):
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def normal_pdf(x):
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def truncated_moments(mean, std, a, b):
    """Mean and std of N(mean, std²) restricted to [a, b] (Johnson, Kotz & Balakrishnan)."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    z = normal_cdf(beta) - normal_cdf(alpha)
    pa, pb = normal_pdf(alpha), normal_pdf(beta)
    m = mean + std * (pa - pb) / z
    var = std * std * (1 + (alpha * pa - beta * pb) / z - ((pa - pb) / z) ** 2)
    return m, math.sqrt(var)


def scales(shape):
    w = torch.empty(shape)
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(w)
    out = {"shape": list(shape)}
    out["xavier_uniform_bound"] = math.sqrt(6.0 / (fan_in + fan_out))
    out["xavier_normal_std"] = math.sqrt(2.0 / (fan_in + fan_out))
    for mode, fan in [("fan_in", fan_in), ("fan_out", fan_out)]:
        gain = torch.nn.init.calculate_gain("relu")
        out[f"kaiming_normal_relu_{mode}_std"] = gain / math.sqrt(fan)
        out[f"kaiming_uniform_relu_{mode}_bound"] = math.sqrt(3.0) * gain / math.sqrt(fan)
    out["lecun_normal_std"] = math.sqrt(1.0 / fan_in)  # the std of the values, after truncation
    out["lecun_uniform_bound"] = math.sqrt(3.0 / fan_in)
    cases = []
    for scale in [1.0, 2.0, 0.5]:
        for mode, fan in [("fan_in", fan_in), ("fan_out", fan_out), ("fan_avg", (fan_in + fan_out) / 2)]:
            s = scale / max(1.0, fan)
            cases.append({
                "scale": scale, "mode": mode,
                "truncated_normal_sigma": math.sqrt(s) / KERAS_TRUNCATION,  # before truncation to ±2σ
                "untruncated_normal_std": math.sqrt(s),
                "uniform_limit": math.sqrt(3.0 * s),
                "std": math.sqrt(s),  # of the values, for every distribution
            })
    out["variance_scaling"] = cases
    return out


def trunc_map(u, mean, std, a, b):
    """torch.nn.init.trunc_normal_'s steps on given uniforms, in float64."""
    l, h = normal_cdf((a - mean) / std), normal_cdf((b - mean) / std)
    t = torch.tensor(u, dtype=torch.float64)
    t = (2 * l - 1) + ((2 * h - 1) - (2 * l - 1)) * t
    t = torch.special.erfinv(t)
    t = t * (std * math.sqrt(2.0)) + mean
    return t.clamp(min=a, max=b).tolist()


def torch_orthogonal_factor(matrix, gain):
    """torch.nn.init.orthogonal_'s steps after its normal_ draw, on a given matrix."""
    rows, cols = matrix.shape
    flat = torch.tensor(matrix, dtype=torch.float64)
    if rows < cols:
        flat = flat.t()
    q, r = torch.linalg.qr(flat)
    q = q * torch.diag(r, 0).sign()
    if rows < cols:
        q = q.t()
    return (q * gain).reshape(-1).tolist()


def orthogonal_case(shape, gain, rng):
    rows = shape[0]
    cols = int(np.prod(shape[1:]))
    matrix = rng.standard_normal((rows, cols))
    torch.manual_seed(0)
    w = torch.empty(shape)
    torch.nn.init.orthogonal_(w, gain=gain)
    flat = w.reshape(rows, cols).double()
    gram = flat.t() @ flat if rows >= cols else flat @ flat.t()
    deviation = (gram - gain * gain * torch.eye(gram.shape[0], dtype=torch.float64)).abs().max().item()
    case = {"shape": list(shape), "gain": gain, "rows": rows, "cols": cols, "torch_float32_gram_deviation": deviation}
    if rows * cols <= 64:  # small enough to store the matrix and its factor
        case["matrix"] = matrix.reshape(-1).tolist()
        case["factor"] = torch_orthogonal_factor(matrix, gain)
    return case


def main():
    gains = {name: torch.nn.init.calculate_gain(name) for name in ["linear", "sigmoid", "tanh", "relu", "selu", "conv2d"]}
    gains["leaky_relu_0.2"] = torch.nn.init.calculate_gain("leaky_relu", 0.2)
    shapes = [[512, 784], [10, 64], [32, 3, 5, 5], [16, 8, 3, 3]]
    fans = []
    for shape in shapes:
        fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        fans.append({"shape": shape, "fan_in": fan_in, "fan_out": fan_out})
    points = [0.0, 0.1, -0.3, 0.5, -0.7, 0.9, -0.99, 0.999, -0.99999, 1 - 2.0 ** -20, -(1 - 2.0 ** -24)]
    erfinv = {"p": points, "erfinv": torch.special.erfinv(torch.tensor(points, dtype=torch.float64)).tolist()}
    u = [k * 2.0 ** -24 for k in [0, 1, 1 << 10, 1 << 20, 3 << 21, 1 << 23, 5 << 21, 7 << 21, (1 << 24) - 1]]
    truncated = []
    for mean, std, a, b in [(0.0, 1.0, -2.0, 2.0), (0.0, 0.02, -0.04, 0.04), (1.0, 2.0, 0.0, 5.0),
                            (0.0, 1.0, 0.5, 3.0), (-0.5, 0.1, -1.0, 1.0), (0.0, 1.0, -2.0, 1.0)]:
        m, s = truncated_moments(mean, std, a, b)
        truncated.append({"mean": mean, "std": std, "a": a, "b": b, "u": u, "values": trunc_map(u, mean, std, a, b),
                          "truncated_mean": m, "truncated_std": s})
    rng = np.random.default_rng(13)
    orthogonal = [orthogonal_case(shape, gain, rng)
                  for shape, gain in [([6, 4], 1.0), ([4, 6], 1.0), ([5, 2, 3], 2.0), ([3, 3], 0.5), ([64, 48], 1.0)]]
    fixture = {
        "torch": torch.__version__,
        "keras_truncation_constant": KERAS_TRUNCATION,
        "unit_normal_truncated_to_2_std": truncated_moments(0.0, 1.0, -2.0, 2.0)[1],
        "gains": gains, "fans": fans, "scales": [scales(s) for s in shapes],
        "erfinv": erfinv, "truncated_normal": truncated, "orthogonal": orthogonal,
    }
    path = pathlib.Path(__file__).with_name("initializers_reference.json")
    path.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
