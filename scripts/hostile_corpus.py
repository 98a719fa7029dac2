"""Writes the hostile-input corpus for scripts/hostile-inputs.sh into a folder.

Each file must make `dlc check` exit 1 with a positioned diagnostic, quickly and in
bounded memory. Usage: python3 scripts/hostile_corpus.py OUT_DIR DIGITS_CSV
"""
import random
import sys

out, digits = sys.argv[1], sys.argv[2]


def write(name, data):
    with open(f"{out}/{name}.yaml", "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


write("deep-flow-nesting", "[" * 1_000_000)
write("deep-block-nesting", "".join(" " * i + "- \n" for i in range(2000)))
bomb = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
for i in range(1, 10):
    prev, cur = chr(96 + i), chr(97 + i)
    bomb += f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
write("billion-laughs", bomb)
write("five-megabyte-line", "dlc: 1\nname: " + "a" * 5_000_000 + "\n")
rng = random.Random(42)
write("binary-garbage", bytes(rng.randrange(256) for _ in range(65536)))
write("nul-byte", b"dlc: 1\nname: a\x00b\n")
write("invalid-utf8", b"dlc: 1\nname: \xc3\x28\n")
write("empty-file", b"")
write("utf16", b"\xff\xfed\x00l\x00c\x00")
write("tabs", "dlc: 1\ndata:\n\tsource: x\n")
write("unterminated-quote", 'dlc: 1\nname: "never closed\n')
layers = "".join("    - dense: 16\n" if i % 2 == 0 else "    - relu\n" for i in range(99_999))
write("hundred-thousand-layers",
      f"dlc: 1\nname: many\ndata:\n  source: {{csv: {digits}, target: label}}\n  task: classification\n"
      f"model:\n  input: [64]\n  layers:\n{layers}    - dense: 9\n"
      "loss: cross_entropy\ntrain: {optimizer: adam, batch_size: 32, epochs: 1}\n")
