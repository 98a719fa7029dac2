# dlc — the two commands a newcomer runs are `make demo` and `make test`.
# Both install the system libraries dlc links against when they are missing.

SWIFT ?= swift
APT_PACKAGES := libyaml-dev libopenblas-dev time
DEMO_SPEC := specs/digits_mlp.yaml

.PHONY: deps build demo test goldens bench-check bench-compile bench-train bench-csv clean

## deps: install the system libraries (Debian/Ubuntu, through apt-get) when missing
deps:
	@bash scripts/install-deps.sh $(APT_PACKAGES)

build: deps
	$(SWIFT) build

## demo: check the bundled example, train it (release build) and evaluate it on its test split
demo: deps
	$(SWIFT) build -c release
	$(SWIFT) run -c release -q dlc check $(DEMO_SPEC)
	$(SWIFT) run -c release -q dlc train $(DEMO_SPEC) --overwrite
	$(SWIFT) run -c release -q dlc eval $(DEMO_SPEC) --checkpoint runs/digits_mlp/best.safetensors --split test

## test: the whole test suite, `dlc check` over every example, the hostile-input corpus,
## the fuzz corpus replayed and a short libFuzzer run per reader (scripts/fuzz.sh)
test: deps
	$(SWIFT) build
	$(SWIFT) test
	@bash scripts/check-examples.sh
	@bash scripts/hostile-inputs.sh
	@bash scripts/fuzz.sh smoke

## goldens: re-record every golden file (review with `git diff golden/`, then `make test`:
## a run that re-records a golden fails on purpose, naming each file it wrote)
goldens: deps
	DLC_BLESS=1 $(SWIFT) test || echo "goldens re-recorded (the failures above name them): review git diff golden/, then run the tests without DLC_BLESS" 

bench-check: deps
	bash bench/check_bench.sh

## bench-compile: how long `dlc compile` takes to write each example's trainer package
bench-compile: deps
	$(SWIFT) build -c release --product dlc
	python3 bench/compile_bench.py --dlc .build/release/dlc

## bench-csv: how fast the CSV loader reads a generated numeric CSV (MB/s)
bench-csv: deps
	bash bench/csv/csv_bench.sh

## bench-train: training throughput against PyTorch (bench/setup_venv.sh installs it)
bench-train: deps
	bash bench/setup_venv.sh
	bash bench/run_train_bench.sh

clean:
	rm -rf .build
