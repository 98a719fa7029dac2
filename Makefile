# dlc — the two commands a newcomer runs are `make demo` and `make test`.
# Both install the system libraries dlc links against when they are missing.

SWIFT ?= swift
APT_PACKAGES := libyaml-dev time
DEMO_SPEC := specs/digits_mlp.yaml

.PHONY: deps build demo test goldens bench-check clean

## deps: install the system libraries (Debian/Ubuntu, through apt-get) when missing
deps:
	@bash scripts/install-deps.sh $(APT_PACKAGES)

build: deps
	$(SWIFT) build

## demo: check the bundled example and print its model summary and IR
demo: build
	$(SWIFT) run -q dlc check $(DEMO_SPEC)
	$(SWIFT) run -q dlc compile $(DEMO_SPEC) --emit ir

## test: the whole test suite, `dlc check` over every example, the hostile-input corpus
test: deps
	$(SWIFT) build
	$(SWIFT) test
	@bash scripts/check-examples.sh
	@bash scripts/hostile-inputs.sh

## goldens: re-record every golden file (review with `git diff golden/`)
goldens: deps
	DLC_BLESS=1 $(SWIFT) test

bench-check: deps
	bash bench/check_bench.sh

clean:
	rm -rf .build
