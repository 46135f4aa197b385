"""Paper B: the table of c50 and c90 per constraint and (s, d), as Parquet and Markdown."""

import argparse
from pathlib import Path

from relu_lib import cli


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parquet", required=True, help="Parquet table to write")
    parser.add_argument("--markdown", required=True, help="Markdown table to write")
    parser.add_argument("cells", help="the experiment's per-cell statistics (summarize_b.py --cells)")
    args = parser.parse_args()

    import pyarrow as pa

    from relu_lib.io import read_table, write_table
    from relu_lib.provenance import stamp
    from relu_lib.summary_b import c50_c90_table, c_table_markdown

    stats = read_table(args.cells, required=("constraint", "s", "d", "ratio", "envelope_freq", "success_freq"))[0].to_pandas()
    table = c50_c90_table(stats)
    write_table(args.parquet, pa.Table.from_pandas(table, preserve_index=False), {"provenance": stamp(args.cells)})
    text = c_table_markdown(table, int(stats["iterations"].max()), float(stats["success_threshold"].iloc[0]))
    Path(args.markdown).parent.mkdir(parents=True, exist_ok=True)
    Path(args.markdown).write_text(text)


if __name__ == "__main__":
    cli.run(main)
