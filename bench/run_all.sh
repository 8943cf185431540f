#!/usr/bin/env bash
# Every benchmark in turn, each bounded to about a minute; figures are printed and saved under
# bench/results/ (*-latest.json). Needs the seeded bench database: see bench/README.md.
#   bench/run_all.sh            # pages, api, pipeline
set -euo pipefail
cd "$(dirname "$0")/.."
for script in pages api pipeline; do
  echo "== bench/${script}.py"
  .venv/bin/python "bench/${script}.py"
done
