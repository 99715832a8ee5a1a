#!/bin/sh
# written by cms (cluster --stack slurm, comet cluster setup --stack slurm): the cluster's Slurm daemons, munged and,
# by this VM's role in /etc/cms-guest/stack.role, slurmctld (controller) or slurmd (compute). The image's rcS runs it
# with start at boot and its rcK with stop at power-off; cms runs it with restart after it changed the configuration.
# A compute node of a comet VC (/etc/cms-guest/stack.leave) leaves its controller's Slurm when it stops: marked down,
# then FUTURE, so that users see only the nodes their computesets hold; its next slurmd brings it back. A restarted
# controller shows the nodes that had joined it as FUTURE again, so such a node watches and registers anew.
role=$(cat /etc/cms-guest/stack.role 2>/dev/null)
[ -n "$role" ] || exit 0
case $role in controller) daemon=slurmctld ;; *) daemon=slurmd ;; esac

if [ -d /run/systemd/system ]; then # an image whose init is systemd: its units
  case $1 in
    start | restart) systemctl restart munge && systemctl restart "$daemon" ;;
    stop) systemctl stop "$daemon" munge ;;
  esac
  exit
fi

prepare() {
  # slurmd 22.05 will not start without a cgroup file system, nor place steps without the system.slice directory
  grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts || mount -t cgroup2 cgroup2 /sys/fs/cgroup
  mkdir -p /sys/fs/cgroup/system.slice /run/munge /run/slurm /var/log/slurm /var/lib/slurm/slurmd /var/lib/slurm/slurmctld
  chown munge:munge /run/munge
  chown slurm:slurm /run/slurm /var/log/slurm /var/lib/slurm/slurmctld
  # a VM reset before the disk caught up leaves slurmctld's cluster name file empty, and slurmctld then refuses to start
  # ("CLUSTER NAME MISMATCH"); an empty one says nothing, so it goes (a file naming another cluster stays an error)
  [ -f /var/lib/slurm/slurmctld/clustername ] && [ ! -s /var/lib/slurm/slurmctld/clustername ] && rm -f /var/lib/slurm/slurmctld/clustername
}

stop_pid() { # PIDFILE: ends that daemon and waits (up to 10 s) until it is gone
  [ -s "$1" ] || return 0
  p=$(cat "$1")
  kill "$p" 2>/dev/null || { rm -f "$1"; return 0; }
  i=0
  while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  kill -9 "$p" 2>/dev/null
  rm -f "$1"
}

start() {
  prepare
  if ! { [ -s /run/munge/munged.pid ] && kill -0 "$(cat /run/munge/munged.pid)" 2>/dev/null; }; then
    start-stop-daemon --start --quiet --chuid munge --exec /usr/sbin/munged || { echo "munged did not start" >&2; exit 1; }
  fi
  /usr/sbin/$daemon || { echo "$daemon did not start: $(tail -n 3 /var/log/slurm/$daemon.log 2>/dev/null)" >&2; exit 1; }
  if [ "$role" = compute ] && [ -f /etc/cms-guest/stack.leave ]; then
    watch </dev/null >/dev/null 2>&1 &
    echo $! >/run/slurm/cms-watch.pid
  fi
}

watch() { # a comet node: registers again (a new slurmd) when its controller shows it as FUTURE
  while sleep 10; do
    case $(timeout 10 scontrol -o -F show node "$(hostname)" 2>/dev/null) in
      *State=FUTURE*) stop_pid /run/slurm/slurmd.pid; /usr/sbin/slurmd ;;
    esac
  done
}

leave() {
  me=$(hostname)
  timeout 5 scontrol update NodeName="$me" State=DOWN Reason="cms: powered off" 2>/dev/null
  timeout 5 scontrol update NodeName="$me" State=FUTURE 2>/dev/null
}

stop() {
  stop_pid /run/slurm/cms-watch.pid
  [ "$role" = compute ] && [ -f /etc/cms-guest/stack.leave ] && [ "$1" != restart ] && leave
  stop_pid /run/slurm/$daemon.pid
  stop_pid /run/munge/munged.pid
}

case $1 in
  start) start ;;
  stop) stop ;;
  restart) stop restart; start ;;
esac
