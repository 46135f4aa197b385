"""The theorems study's check stage: a group's cells already hold its verdict rows; this gathers them into the
group's bound-check file, with provenance, and prints the summary line."""

from __future__ import annotations


def collect(experiment: str, cell_paths, out) -> None:
    import pandas as pd
    import pyarrow as pa

    from relu_lib.io import read_table, write_table
    from relu_lib.provenance import inputs_config, stamp
    from relu_lib.verdicts import VERDICTS, summary_line

    frames, metas = [], []
    for path in cell_paths:
        table, meta = read_table(path)
        frames.append(table.to_pandas())
        metas.append(meta)
    frame = pd.concat(frames, ignore_index=True)
    frame["verdict"] = pd.Categorical(frame["verdict"].astype(str), categories=VERDICTS)
    write_table(
        out, pa.Table.from_pandas(frame, preserve_index=False), {"provenance": stamp(inputs_config(metas), __name__)}
    )
    print(summary_line(experiment, frame))
