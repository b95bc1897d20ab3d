#!/usr/bin/env bash
# slurm-down.sh - stop what slurm-up.sh started, by the pids in its pid files.
#   --purge-state  also delete config, state and logs under $GEOINPAINT_SLURM_DIR
# The Debian packages stay installed (the next slurm-up.sh then starts in seconds).
set -uo pipefail
P=${GEOINPAINT_SLURM_DIR:-/tmp/geoinpaint-slurm}
export SLURM_CONF=$P/etc/slurm.conf
log() { printf '[slurm-down %(%H:%M:%S)T] %s\n' -1 "$*"; }
stop_pidfile() {  # stop_pidfile <pidfile> <comm>
  [[ -s $1 ]] || return 0
  local pid; pid=$(cat "$1")
  # only signal the pid while it is still the program we started
  if ! kill -0 "$pid" 2>/dev/null || [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "$2" ]]; then
    rm -f "$1"; return 0
  fi
  log "stopping $2 (pid $pid)"
  kill "$pid" 2>/dev/null
  for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || { rm -f "$1"; return 0; }; sleep 0.5; done
  log "$2 did not exit, SIGKILL"; kill -9 "$pid" 2>/dev/null; rm -f "$1"
}

# cancel the jobs first so that no slurmstepd is left behind
if [[ -s $P/run/slurmctld.pid ]] && kill -0 "$(cat "$P/run/slurmctld.pid")" 2>/dev/null; then
  scancel --partition=debug 2>/dev/null
  for _ in $(seq 30); do [[ -z $(squeue -h -t R,CG,PD 2>/dev/null) ]] && break; sleep 1; done
fi
stop_pidfile "$P/run/slurmd.pid"    slurmd
stop_pidfile "$P/run/slurmctld.pid" slurmctld
stop_pidfile "$P/munge/munged.pid"  munged
# remove the link slurm-up.sh made, only while it still points at our config
[[ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" == "$P/etc/slurm.conf" ]] && rm -f /etc/slurm/slurm.conf

for a in "$@"; do
  case $a in
    --purge-state)
      log "removing state under $P"
      rm -rf "$P"/{etc,munge,log,run,spool} ;;
    *) log "unknown option $a (known: --purge-state)"; exit 2 ;;
  esac
done
log "done"
