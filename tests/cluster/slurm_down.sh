#!/usr/bin/env bash
# Tear down the test cluster started by slurm_up.sh. Safe to run any number of
# times, also when nothing (or only part of it) is running.
#
# Only processes that are provably ours are signalled, each by PID:
#   - the five daemons, through their pid files under $RELU_SLURM_STATE
#     (and only if /proc/PID/comm still names the expected daemon);
#   - leftover slurmstepd processes whose environment points SLURM_CONF at our
#     config (job steps of a job that was still running).
# Each gets SIGTERM, a bounded wait, then SIGKILL. Logs stay in the state dir
# for inspection; slurm_up.sh wipes it on the next start.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=slurm_common.sh
. "$HERE/slurm_common.sh"
export PATH=$PATH:/usr/sbin:/sbin
STOP_TIMEOUT=${STOP_TIMEOUT:-15}

# our /etc/slurm/slurm.conf symlink (only if it points at our config)
remove_conf_link() {
  if [ -L "$SYSTEM_SLURM_CONF" ] && [ "$(readlink "$SYSTEM_SLURM_CONF")" = "$SLURM_CONF_FILE" ]; then
    rm -f "$SYSTEM_SLURM_CONF"
  fi
}
[ -d "$S" ] || { remove_conf_link; log "nothing to tear down ($S does not exist)"; exit 0; }

# stop_pid PID NAME: TERM, wait up to STOP_TIMEOUT s, then KILL
stop_pid() {
  local pid=$1 name=$2 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < STOP_TIMEOUT * 4; i++)); do
    kill -0 "$pid" 2>/dev/null || { log "stopped $name ($pid)"; return 0; }
    sleep 0.25
  done
  log "$name ($pid) ignored SIGTERM for ${STOP_TIMEOUT}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null
  sleep 0.5
}

# 1. Cancel jobs that are still queued/running so slurmstepd cleans up.
if pid_of_file "$S/run/slurmctld.pid" slurmctld >/dev/null; then
  jobs=$(SLURM_CONF=$SLURM_CONF_FILE timeout 5 squeue -h -o %i 2>/dev/null || true)
  if [ -n "$jobs" ]; then
    log "cancelling jobs: $(tr "\n" " " <<<"$jobs")"
    # shellcheck disable=SC2086
    SLURM_CONF=$SLURM_CONF_FILE timeout 10 scancel $jobs 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
      [ -z "$(SLURM_CONF=$SLURM_CONF_FILE timeout 5 squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.25
    done
  fi
fi

stopped=()
# 2. Daemons, in order: slurmd, slurmctld, slurmdbd, mariadbd, munged.
for spec in "${RELU_SLURM_DAEMONS[@]}"; do
  f=${spec%%:*}; name=${spec##*:}
  if pid=$(pid_of_file "$f" "$name"); then
    stop_pid "$pid" "$name"
    stopped+=("$pid:$name")
  fi
  rm -f "$f"
done

# 3. Orphaned job steps of our cluster.
for p in /proc/[0-9]*; do
  pid=${p#/proc/}
  [ "$(cat "$p/comm" 2>/dev/null)" = slurmstepd ] || continue
  tr '\0' '\n' < "$p/environ" 2>/dev/null | grep -qxF "SLURM_CONF=$SLURM_CONF_FILE" || continue
  stop_pid "$pid" "slurmstepd"
  stopped+=("$pid:slurmstepd")
done

# 4. Verify.
left=0
for spec in "${stopped[@]+"${stopped[@]}"}"; do
  pid=${spec%%:*}; name=${spec##*:}
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] && { log "still running: $name ($pid)"; left=1; }
done
rm -f "$MYSQL_SOCKET"
remove_conf_link
[ "$left" = 0 ] && log "cluster down (logs kept in $S/log)"
exit "$left"
