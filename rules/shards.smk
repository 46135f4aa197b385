# Shards (config key cells_per_job > 1, relu_lib/shards.py): each shard's train job reads a manifest
# of its cells. The manifest is rewritten, and the shard's job rerun, only when the shard's cells or
# their specs change; the job then skips every cell whose file is current.


rule shard_manifest:
    """The cells of one shard: spec, input file and output file of each."""
    localrule: True
    output:
        "results/shards/{shard}.json",
    wildcard_constraints:
        shard="|".join([*SHARDS_A, *SHARDS_B]) or "no-such-shard",
    params:
        cells=lambda w: shard_manifest(w.shard),
    log:
        "logs/shards/{shard}.log",
    run:
        write_manifest(params.cells, output[0], log[0])
