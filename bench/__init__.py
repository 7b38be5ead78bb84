"""The benchmark behind docs/benchmarks.md: `make bench` (= `.venv/bin/python -m bench`)."""
