#!/usr/bin/env bash
# h.sh MODE NAME 'command': runs the command (bash -c) under MODE (glibc, preload, s1000,
# check, guard, trace, stats); keeps stdout, stderr and the per-process logs in
# $W/res/NAME.MODE and appends one line to $W/summary.txt: exit status, stdout's sha256,
# wall and CPU seconds, peak RSS of the largest process, error reports other than leaks,
# leak reports, heapguard lines on stderr.  W: work directory (default /tmp/hgr3);
# HGR: the heapguard checkout whose build/ is used (default: this file's ../..).
: "${W:=/tmp/hgr3}" "${HGR:=$(cd "$(dirname "$0")/../.." && pwd)}"; export W HGR
HG=$HGR/build
mode=$1 name=$2; shift 2
D=$W/res/$name.$mode; rm -rf "$D"; mkdir -p "$D/logs"
case $mode in
  glibc) pre=() ;;
  preload) pre=(env LD_PRELOAD=$HG/libheapguard.so) ;;
  s1000) pre=($HG/heapguard run --sample-rate=1000 --) ;;
  check) pre=($HG/heapguard check --error-exitcode=0 --log-file=$D/logs/%p.log --) ;;
  guard) pre=($HG/heapguard guard --error-exitcode=0 --log-file=$D/logs/%p.log --) ;;
  trace) pre=($HG/heapguard trace --output=$D/logs/%p.trace --) ;;
  stats) pre=($HG/heapguard stats --output=$D/logs/%p.stats --) ;;
esac
export HEAPGUARD_LOG_FILE=$D/logs/%p.log
[ $mode = glibc ] && unset HEAPGUARD_LOG_FILE
/usr/bin/time -f "%e %U %S %M" -o $D/time timeout --kill-after=10 ${TMO:-900} "${pre[@]}" bash -c "$*" >$D/out 2>$D/err </dev/null
st=$?
read e u s m < <(tail -1 $D/time)
sha=$(sha256sum <$D/out | cut -c1-12)
errs=$(cat $D/logs/*.log 2>/dev/null | grep -E 'ERROR:' | grep -vc memory-leak)
leaks=$(cat $D/logs/*.log 2>/dev/null | grep -c 'ERROR: memory-leak')
hgerr=$(grep -c -E '^heapguard:|==[0-9]+==' $D/err)
printf '%-12s %-8s st=%-3s sha=%s wall=%s cpu=%.2f rss=%dMiB errs=%s leaks=%s stderrhg=%s\n' $name $mode $st $sha $e $(echo "$u+$s"|bc) $((m/1024)) $errs $leaks $hgerr | tee -a $W/summary.txt
