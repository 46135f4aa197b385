#!/usr/bin/env bash
# Run a Snakemake workflow through profiles/slurm on a throwaway single-node
# SLURM cluster on this machine, then tear the cluster down.
#
#   tests/cluster/run_cluster_test.sh <snakefile> <workdir> [extra snakemake args...]
#
# Meant for CI (root, fresh Debian 12, CI=true, no stdin). It
#   - prints "SKIPPED: <reason>" and exits 0 when it cannot run here
#     (not root, no apt-get, not Linux);
#   - installs the SLURM packages if missing and brings the cluster up
#     (tests/cluster/slurm_up.sh);
#   - creates the cluster virtualenv if missing ($RELU_CLUSTER_VENV, default
#     <repo>/.venv-cluster) and installs the project with its `cluster` extra
#     (the pinned slurm executor plugin) under requirements.lock, so that the
#     workflow's `sys.executable` can run its scripts;
#   - runs snakemake with --workflow-profile profiles/slurm, bounded by
#     $RELU_CLUSTER_RUN_TIMEOUT seconds (SIGINT first, so Snakemake scancels its
#     jobs, SIGKILL 60 s later);
#   - prints the sacct table of the jobs it submitted and a one-line summary;
#   - always tears the cluster down (trap), unless RELU_SLURM_KEEP=1.
# Exit status: snakemake's (0 = workflow finished), or non-zero if the cluster
# or the virtualenv could not be set up.
set -uo pipefail

usage() { echo "usage: $0 <snakefile> <workdir> [extra snakemake args...]" >&2; exit 2; }
skip() { echo "SKIPPED: $*"; exit 0; }
[ $# -ge 2 ] || usage

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SNAKEFILE=$(realpath -m "$1"); WORKDIR=$(realpath -m "$2"); shift 2
VENV=${RELU_CLUSTER_VENV:-$REPO/.venv-cluster}
PROFILE=$REPO/profiles/slurm
UP_TIMEOUT=${RELU_SLURM_UP_TIMEOUT:-1500}        # apt install + bring-up
PIP_TIMEOUT=${RELU_CLUSTER_PIP_TIMEOUT:-900}
RUN_TIMEOUT=${RELU_CLUSTER_RUN_TIMEOUT:-1800}    # the snakemake run itself

[ "$(uname -s)" = Linux ] || skip "not Linux"
[ "$(id -u)" -eq 0 ] || skip "not root: starting munge, MariaDB and SLURM daemons needs root"
command -v apt-get >/dev/null 2>&1 || skip "apt-get unavailable: cannot install slurm-wlm/slurmdbd/mariadb-server/munge"
[ -f "$SNAKEFILE" ] || { echo "run_cluster_test.sh: no such Snakefile: $SNAKEFILE" >&2; exit 2; }
[ -f "$PROFILE/config.yaml" ] || { echo "run_cluster_test.sh: missing $PROFILE/config.yaml" >&2; exit 2; }
exec </dev/null

say() { printf '[cluster-test %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }

# shellcheck source-path=SCRIPTDIR source=slurm_common.sh
. "$HERE/slurm_common.sh"
# shellcheck disable=SC2329  # invoked by trap
teardown() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "${RELU_SLURM_KEEP:-0}" = 1 ]; then
    say "RELU_SLURM_KEEP=1: leaving the cluster up (tear down: $HERE/slurm_down.sh)"
  else
    say "tearing the cluster down"
    timeout 120 "$HERE/slurm_down.sh" || say "WARNING: slurm_down.sh failed"
  fi
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- cluster
t0=$(now)
if ! timeout -k 30 "$UP_TIMEOUT" "$HERE/slurm_up.sh"; then
  echo "run_cluster_test.sh: bringing up the SLURM test cluster failed" >&2
  exit 3
fi
t_up=$(secs "$t0" "$(now)")
# shellcheck disable=SC1091
. "$RELU_SLURM_STATE/env"

# ---------------------------------------------------------------- virtualenv
t0=$(now)
if [ ! -x "$VENV/bin/python" ]; then
  say "creating the cluster virtualenv $VENV"
  mkdir -p "$(dirname "$VENV")"
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    # Debian's python3 lacks ensurepip until python3-venv is installed
    rm -rf "$VENV"
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q python3-venv >&2 || true
    python3 -m venv "$VENV" || { echo "run_cluster_test.sh: cannot create $VENV" >&2; exit 4; }
  fi
fi
pip_args=(-c "$REPO/requirements.lock" -e "$REPO[cluster]")
if ! timeout "$PIP_TIMEOUT" "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
     "${pip_args[@]}" >&2; then
  echo "run_cluster_test.sh: installing the cluster virtualenv failed" >&2
  exit 4
fi
t_venv=$(secs "$t0" "$(now)")
say "virtualenv ready in ${t_venv}s: $("$VENV/bin/python" -m pip freeze 2>/dev/null \
      | grep -E '^snakemake(-executor-plugin-slurm(-jobstep)?)?==' | tr '\n' ' ')"

# ---------------------------------------------------------------- run
mkdir -p "$WORKDIR"
start_iso=$(date +%Y-%m-%dT%H:%M:%S)
sleep 1   # sacct -S has 1 s resolution: do not count jobs of an earlier second
say "snakemake -s $SNAKEFILE -d $WORKDIR --workflow-profile $PROFILE $*"
t0=$(now)
timeout --foreground -s INT -k 60 "$RUN_TIMEOUT" \
  "$VENV/bin/snakemake" --snakefile "$SNAKEFILE" --directory "$WORKDIR" \
  --workflow-profile "$PROFILE" "$@"
rc=$?
t_run=$(secs "$t0" "$(now)")
[ "$rc" = 124 ] && say "snakemake TIMED OUT after ${RUN_TIMEOUT}s"

# ---------------------------------------------------------------- report
echo "===== sacct (jobs submitted since $start_iso)"
timeout 20 sacct -X -a -S "$start_iso" -E now \
  --format=JobID,JobName%45,Partition,Account,AllocCPUS,ReqMem,State,ExitCode,Elapsed || true
n_jobs=$(timeout 20 sacct -X -a -n -S "$start_iso" -E now -o JobID 2>/dev/null | grep -c '[0-9]')
n_failed=$(timeout 20 sacct -X -a -n -S "$start_iso" -E now -o State 2>/dev/null \
           | grep -Evc 'COMPLETED|^\s*$')
if [ "$rc" != 0 ]; then
  echo "===== slurmctld.log (tail)"; tail -n 40 "$RELU_SLURM_STATE/log/slurmctld.log" 2>/dev/null || true
fi
echo "CLUSTER_TEST rc=$rc bringup_s=$t_up venv_s=$t_venv snakemake_wall_s=$t_run sbatch_jobs=$n_jobs not_completed=$n_failed"
exit "$rc"
