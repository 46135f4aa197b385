"""relu-repro: reproduce and check two papers on training a single ReLU gate.

All logic of the pipeline lives here; the Snakefile and scripts/ only wire it up.
This package never imports snakemake.
"""

__version__ = "0.2.0"
