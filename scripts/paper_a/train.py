"""Paper A: train one grid cell (every run, Algorithm 2 and S.G.D. on shared mini-batches) to Parquet, or every
cell of a shard (--manifest, see relu_lib/shards.py) in one process."""

import argparse
import json
import time
from pathlib import Path

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", type=json.loads, help="the cell's spec, as JSON (relu_lib.paper_a.cell.CellSpec)")
    parser.add_argument("--out", help="Parquet file to write")
    parser.add_argument(
        "--manifest", help="a shard's JSON list of {spec, out}: train each cell whose file is not current"
    )
    args = parser.parse_args()
    if args.manifest:
        cells = json.loads(Path(args.manifest).read_text())["cells"]
    elif args.spec and args.out:
        cells = [{"spec": args.spec, "out": args.out}]
    else:
        parser.error("give --spec and --out, or --manifest")

    from relu_lib.paper_a.trainer import train_to_parquet
    from relu_lib.shards import current_check

    current = current_check("relu_lib.paper_a.trainer") if args.manifest else None

    total, kept = 0.0, 0
    cpu = time.process_time()
    for cell in cells:
        if current and current(cell["out"], cell["spec"], []):
            kept += 1
            continue
        total += train_to_parquet(cell["spec"], cell["out"])
    if args.manifest:
        print(f"cells={len(cells)} kept={kept}")
    print(f"compute_cpu_seconds={time.process_time() - cpu:.6f}")  # CPU of the cells' training and writing
    print(f"compute_seconds={total:.6f}")  # the cells' training time, read by the benchmarks


if __name__ == "__main__":
    cli.run(main)
