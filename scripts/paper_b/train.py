"""Paper B: train one grid cell (every trial, ReLU and linear observations on the same data) to Parquet,
or every cell of a shard (--manifest, see relu_lib/shards.py) in one process."""

import argparse
import json
import time
from pathlib import Path

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", type=json.loads, help="the cell's spec, as JSON (see relu_lib.paper_b.grid)")
    parser.add_argument("--n0", help="the n0 JSON of the cell's (constraint, s, d)")
    parser.add_argument("--out", help="Parquet file to write")
    parser.add_argument(
        "--manifest", help="a shard's JSON list of {spec, n0, out}: train each cell whose file is not current"
    )
    args = parser.parse_args()
    if args.manifest:
        cells = json.loads(Path(args.manifest).read_text())["cells"]
    elif args.spec and args.n0 and args.out:
        cells = [{"spec": args.spec, "n0": args.n0, "out": args.out}]
    else:
        parser.error("give --spec, --n0 and --out, or --manifest")

    from time import perf_counter

    from relu_lib.paper_b.trainer import train_to_parquet
    from relu_lib.shards import current_check

    current = current_check("relu_lib.paper_b.trainer") if args.manifest else None

    total, kept = 0.0, 0
    cpu = time.process_time()
    for cell in cells:
        if current and current(cell["out"], cell["spec"], [cell["n0"]]):
            kept += 1
            continue
        start = perf_counter()
        train_to_parquet(cell["spec"], cell["n0"], cell["out"])
        total += perf_counter() - start
    if args.manifest:
        print(f"cells={len(cells)} kept={kept}")
    print(f"compute_cpu_seconds={time.process_time() - cpu:.6f}")  # CPU of the cells' training and writing
    print(f"compute_seconds={total:.6f}")  # training and writing, read by the benchmarks


if __name__ == "__main__":
    cli.run(main)
