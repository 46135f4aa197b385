"""The command-line face of the scripts: a clear one-line error instead of a traceback."""

from __future__ import annotations

import argparse
import os
import sys

# One BLAS/OpenMP thread per job: Snakemake schedules one job per core (`threads: 1`).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def parser(doc: str) -> argparse.ArgumentParser:
    """The argument parser of a script: `--help` prints the usage and the script's docstring as written (its
    usage line and exit statuses), and a missing or unknown argument is a usage message on stderr and exit
    status 2 (argparse's convention, the same status as a UserError), never a file named `--help`."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def run(main) -> None:
    """Call `main()`; a UserError becomes `error: <message>` on stderr and exit status 2."""
    from relu_lib.errors import UserError

    try:
        main()
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        # Leave without the interpreter's teardown: with pyarrow's thread pool still alive it can abort in C++
        # ("terminate called without an active exception", status -6 instead of 2; seen once in ~30 parallel
        # runs of a bad file). Every output is written atomically, so nothing is left half-done.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(2)
