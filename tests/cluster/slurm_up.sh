#!/usr/bin/env bash
# Bring up a single-node SLURM cluster with slurmdbd accounting, by hand (no
# systemd), for the cluster tests. Adapted from the verified recipe in the shared
# spec (slurm-single-node-up.sh). Run as root on Debian 12.
#
#   tests/cluster/slurm_up.sh       # then: source "$RELU_SLURM_STATE/env"
#
# - Installs slurm-wlm slurmdbd mariadb-server munge if missing (apt, bounded
#   by `timeout`, without letting the packages start their system services).
# - All state lives under $RELU_SLURM_STATE (default ${TMPDIR:-/tmp}/relu-slurm);
#   config is read through SLURM_CONF, /etc/slurm is not written.
# - Idempotent: if our cluster is already up and healthy it only reports that;
#   otherwise it tears down whatever is left of ours and starts fresh.
# - Every wait is bounded; on failure it prints the daemon logs, tears down
#   what it started and exits non-zero.
#
# Design notes (established on SLURM 22.05 / Debian 12):
# - slurmdbd + MariaDB are required: without accounting `sacct` fails and the
#   snakemake slurm executor treats every job as still running (hangs).
# - No cgroup.conf is written (CgroupPlugin=disabled makes slurmd 22.05 fail);
#   proctrack/linuxproc, task/none, jobacct_gather/none need no cgroups.
# - munged runs as munge, mariadbd as mysql; both get private dirs here.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=slurm_common.sh
. "$HERE/slurm_common.sh"

APT_UPDATE_TIMEOUT=${APT_UPDATE_TIMEOUT:-300}
APT_INSTALL_TIMEOUT=${APT_INSTALL_TIMEOUT:-900}
DAEMON_TIMEOUT=${DAEMON_TIMEOUT:-60}   # per daemon readiness wait, seconds

[ "$(id -u)" -eq 0 ] || { echo "slurm_up.sh: must run as root" >&2; exit 2; }

# ---------------------------------------------------------------- install
need_install() {
  local b
  for b in slurmctld slurmd slurmdbd slurmstepd sbatch sacct sacctmgr sinfo squeue scancel \
           munged munge unmunge mariadbd mariadb mariadb-install-db; do
    command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || return 0
  done
  return 1
}
t_install=0
if need_install; then
  command -v apt-get >/dev/null || { echo "slurm_up.sh: apt-get not available" >&2; exit 3; }
  t0=$(date +%s)
  # Keep package postinst scripts from starting system munge/mariadb/slurm.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  trap '[ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
  log "installing slurm-wlm slurmdbd mariadb-server munge (apt)"
  export DEBIAN_FRONTEND=noninteractive
  timeout "$APT_UPDATE_TIMEOUT" apt-get update -q </dev/null >&2
  timeout "$APT_INSTALL_TIMEOUT" apt-get install -y -q \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      slurm-wlm slurmdbd mariadb-server munge </dev/null >&2
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  trap - EXIT
  t_install=$(( $(date +%s) - t0 ))
  log "apt install took ${t_install}s"
fi
export PATH=$PATH:/usr/sbin:/sbin

# ---------------------------------------------------------------- already up?
cluster_healthy() {
  local spec
  [ "$(readlink "$SYSTEM_SLURM_CONF" 2>/dev/null)" = "$SLURM_CONF_FILE" ] || return 1
  for spec in "${RELU_SLURM_DAEMONS[@]}"; do
    pid_of_file "${spec%%:*}" "${spec##*:}" >/dev/null || return 1
  done
  SLURM_CONF=$SLURM_CONF_FILE timeout 5 sinfo -h -o %T 2>/dev/null \
    | grep -Eq '^(idle|mixed|allocated|completing)'
}
if cluster_healthy; then
  log "cluster already up (state in $S)"
  SLURM_CONF=$SLURM_CONF_FILE timeout 5 sinfo >&2 || true
  exit 0
fi
# Whatever is left of an earlier (partial) bring-up of ours goes first.
"$HERE/slurm_down.sh" >&2

# Refuse to fight with daemons that are not ours (systemd units, the spec
# recipe, another state dir): they hold the ports we need.
if [ -e "$SYSTEM_SLURM_CONF" ] || [ -L "$SYSTEM_SLURM_CONF" ]; then
  echo "slurm_up.sh: $SYSTEM_SLURM_CONF exists and is not ours; refusing to replace it" >&2
  exit 4
fi
for p in 6817 6818 6819 "$RELU_SLURM_DB_PORT"; do
  if port_open "$p"; then
    echo "slurm_up.sh: port $p is in use by a process that is not ours; stop it first" >&2
    exit 4
  fi
done

t0=$(date +%s.%N)
H=$(hostname -s)
NCPU=$(nproc)
MEM=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 - 1024 ))
[ "$MEM" -ge 512 ] || MEM=512
# Never wipe a directory that is not a state dir of ours.
case "$S" in /*/*) ;; *) echo "slurm_up.sh: RELU_SLURM_STATE must be an absolute path two levels deep: $S" >&2; exit 5;; esac
if [ -d "$S" ] && [ -n "$(ls -A "$S")" ] && [ ! -e "$S/.relu-slurm-state" ]; then
  echo "slurm_up.sh: $S exists, is not empty and is not a state dir of ours; refusing to wipe it" >&2
  exit 5
fi
rm -rf "$S"
mkdir -p "$S"/{etc,ctld,spool,run,log,munge,mysql}
touch "$S/.relu-slurm-state"
chmod 755 "$S"
[ ${#MUNGE_SOCKET} -lt 100 ] && [ ${#MYSQL_SOCKET} -lt 100 ] \
  || { echo "slurm_up.sh: state dir path too long for unix sockets: $S" >&2; exit 5; }

on_fail() {
  local rc=$?
  log "bring-up FAILED (rc=$rc); daemon logs follow"
  for f in "$S"/log/*.log "$S"/munge/munged.log "$S"/mysql/mariadb.log; do
    [ -f "$f" ] && { echo "===== $f" >&2; tail -n 30 "$f" >&2; }
  done
  "$HERE/slurm_down.sh" >&2 || true
  exit "$rc"
}
[ -n "${RELU_SLURM_DEBUG:-}" ] || trap on_fail ERR

# ---------------------------------------------------------------- configs
cat > "$S/etc/slurm.conf" <<EOC
# generated by tests/cluster/slurm_up.sh
ClusterName=$RELU_SLURM_CLUSTER
SlurmctldHost=$H(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$S/ctld
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/run/slurmctld.pid
SlurmdPidFile=$S/run/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=300
KillWait=5
NodeName=$H NodeAddr=127.0.0.1 CPUs=$NCPU RealMemory=$MEM State=UNKNOWN
PartitionName=$RELU_SLURM_PARTITION Nodes=$H Default=YES MaxTime=INFINITE State=UP
EOC
DBPASS=slurmpw
cat > "$S/etc/slurmdbd.conf" <<EOC
# generated by tests/cluster/slurm_up.sh
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
LogFile=$S/log/slurmdbd.log
PidFile=$S/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$RELU_SLURM_DB_PORT
StorageUser=slurm
StoragePass=$DBPASS
StorageLoc=slurm_acct_db
EOC
chmod 600 "$S/etc/slurmdbd.conf"
# shellcheck disable=SC2016  # $PATH is expanded when env is sourced
printf 'export SLURM_CONF=%q\nexport RELU_SLURM_STATE=%q\nexport PATH="$PATH:/usr/sbin:/sbin"\n' \
  "$SLURM_CONF_FILE" "$S" > "$S/env"
export SLURM_CONF=$SLURM_CONF_FILE
mkdir -p "$(dirname "$SYSTEM_SLURM_CONF")"
ln -s "$SLURM_CONF_FILE" "$SYSTEM_SLURM_CONF"   # for the jobstep's srun, see slurm_common.sh

# ---------------------------------------------------------------- munge
# The socket must be the default one: SLURM 22.05 clients ignore
# AuthInfo=socket=... when they talk to slurmdbd (sacctmgr fails with
# "Failed to access /run/munge/munge.socket.2"). If a working munged already
# serves it (system service), reuse it and leave it alone; otherwise start
# ours there, with pid/log/seed files in the state dir.
chown munge:munge "$S/munge"; chmod 755 "$S/munge"
munge_ok() { timeout 5 munge -n --socket="$MUNGE_SOCKET" | timeout 5 unmunge --socket="$MUNGE_SOCKET"; }
if munge_ok >/dev/null 2>&1; then
  log "reusing the munged already serving $MUNGE_SOCKET (not ours, will not stop it)"
else
  if [ ! -s /etc/munge/munge.key ]; then
    runuser -u munge -- mungekey --create --keyfile=/etc/munge/munge.key
  fi
  mkdir -p /run/munge; chown munge:munge /run/munge; chmod 755 /run/munge
  runuser -u munge -- munged --socket="$MUNGE_SOCKET" --pid-file="$S/munge/munged.pid" \
    --log-file="$S/munge/munged.log" --seed-file="$S/munge/munged.seed" </dev/null
  wait_until "$DAEMON_TIMEOUT" "munged" munge_ok
fi

# ---------------------------------------------------------------- mariadb
chown mysql:mysql "$S/mysql"; chmod 750 "$S/mysql"
timeout 120 mariadb-install-db --no-defaults --user=mysql --datadir="$S/mysql/data" \
  --auth-root-authentication-method=socket --skip-test-db --skip-name-resolve \
  > "$S/log/mariadb-install.log" 2>&1 </dev/null
setsid runuser -u mysql -- mariadbd --no-defaults --datadir="$S/mysql/data" \
  --socket="$MYSQL_SOCKET" --pid-file="$S/mysql/mysqld.pid" \
  --log-error="$S/mysql/mariadb.log" --port="$RELU_SLURM_DB_PORT" --bind-address=127.0.0.1 \
  --skip-name-resolve --innodb-buffer-pool-size=64M \
  </dev/null >/dev/null 2>&1 &
sql() { timeout 10 mariadb --no-defaults --socket="$MYSQL_SOCKET" -u root "$@"; }
wait_until "$DAEMON_TIMEOUT" "mariadbd" sql -e 'select 1'
wait_until 10 "mariadbd pid file" test -s "$S/mysql/mysqld.pid"
sql -e "CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$DBPASS';
        CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$DBPASS';
        GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
        GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';"

# ---------------------------------------------------------------- slurm
slurmdbd </dev/null
wait_until "$DAEMON_TIMEOUT" "slurmdbd" timeout 5 sacctmgr -n list cluster
# Register the cluster explicitly (creates the root account/user association).
timeout 10 sacctmgr -i add cluster "$RELU_SLURM_CLUSTER" >/dev/null 2>&1 || true
slurmctld -f "$SLURM_CONF_FILE" </dev/null
wait_until "$DAEMON_TIMEOUT" "slurmctld" timeout 5 scontrol ping
slurmd -f "$SLURM_CONF_FILE" </dev/null
node_up() { timeout 5 sinfo -h -n "$H" -o %T | grep -Eq '^(idle|mixed|allocated)'; }
wait_until "$DAEMON_TIMEOUT" "node $H idle" node_up
trap - ERR

t_up=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
timeout 5 sinfo >&2
log "cluster up in ${t_up}s (apt install ${t_install}s); state in $S"
log "use it with:  source $S/env"
echo "SLURM_UP_SECONDS=$t_up APT_INSTALL_SECONDS=$t_install"
