# shellcheck shell=bash disable=SC2034
# Shared settings for the single-node SLURM test cluster; sourced by
# slurm_up.sh, slurm_down.sh and run_cluster_test.sh (not executable itself).
#
# Everything the cluster writes lives under $RELU_SLURM_STATE (a temp dir):
#   etc/     slurm.conf, slurmdbd.conf    (SLURM_CONF points here, /etc/slurm is never touched)
#   munge/   munged pid, log, seed (owned by munge); the socket itself must be
#            the default /run/munge/munge.socket.2 (see slurm_up.sh)
#   mysql/   private MariaDB datadir, socket, pid, log (owned by mysql, own port)
#   ctld/    slurmctld StateSaveLocation
#   spool/   slurmd spool
#   run/     pid files of slurmctld, slurmd, slurmdbd
#   log/     slurm daemon logs
#   env      `source` this to talk to the cluster (exports SLURM_CONF)
# The one file outside it: /etc/slurm/slurm.conf is made a symlink to our
# slurm.conf while the cluster is up (removed again by slurm_down.sh), because
# snakemake-executor-plugin-slurm-jobstep strips every SLURM_* variable,
# SLURM_CONF included, before its inner `srun`, which then finds no config
# ("Could not establish a configuration source"). An existing real
# /etc/slurm/slurm.conf is never overwritten: slurm_up.sh refuses instead.
# Nothing is shared with system-wide instances of munge/MariaDB/SLURM, so the
# test cluster can neither clash with nor damage them.

RELU_SLURM_STATE=${RELU_SLURM_STATE:-${TMPDIR:-/tmp}/relu-slurm}
S=$RELU_SLURM_STATE
RELU_SLURM_DB_PORT=${RELU_SLURM_DB_PORT:-3307}   # private MariaDB; 3306 stays free
RELU_SLURM_CLUSTER=ci
RELU_SLURM_PARTITION=debug

SLURM_CONF_FILE=$S/etc/slurm.conf
SYSTEM_SLURM_CONF=/etc/slurm/slurm.conf
MUNGE_SOCKET=/run/munge/munge.socket.2
MYSQL_SOCKET=$S/mysql/mysqld.sock

# pid file, expected /proc/PID/comm; in stop order (jobs' daemons first)
RELU_SLURM_DAEMONS=(
  "$S/run/slurmd.pid:slurmd"
  "$S/run/slurmctld.pid:slurmctld"
  "$S/run/slurmdbd.pid:slurmdbd"
  "$S/mysql/mysqld.pid:mariadbd"
  "$S/munge/munged.pid:munged"
)

log() { printf '[slurm %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# pid_of_file FILE COMM -> prints the pid if FILE names a live process called COMM
pid_of_file() {
  local f=$1 comm=$2 pid
  [ -s "$f" ] || return 1
  pid=$(tr -dc '0-9' < "$f")
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
  # comm is truncated to 15 chars; compare the prefix (also guards pid reuse)
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "${comm:0:15}" ] || return 1
  echo "$pid"
}

# port_open PORT -> 0 if something listens on 127.0.0.1:PORT
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# wait_until SECONDS DESCRIPTION CMD... -> polls CMD every 0.25 s, bounded
wait_until() {
  local secs=$1 what=$2; shift 2
  local end=$(( $(date +%s) + secs ))
  while :; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [ "$(date +%s)" -ge "$end" ]; then
      log "timed out after ${secs}s waiting for: $what"
      return 1
    fi
    sleep 0.25
  done
}
