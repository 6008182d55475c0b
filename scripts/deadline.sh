# deadline_at prints the RFC 3339 time (UTC) of a deadline given as an
# RFC 3339 time (printed as given) or as a duration from now made of
# hours, minutes and seconds (2h40m, 90m, 1h30m15s), so that a queue fixes
# its end once, before its first spec, rather than letting every
# `kdsweep run --deadline 2h40m` count from its own start. Anything else
# is an error naming DEADLINE. Sourced by protocol-queue.sh.
deadline_at() {
  local d=$1 rest secs=0 now
  if [[ $d =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]]; then
    printf '%s\n' "$d"
    return 0
  fi
  rest=$d
  while [[ $rest =~ ^([0-9]+)([hms])(.*)$ ]]; do
    case ${BASH_REMATCH[2]} in
      h) secs=$((secs + 10#${BASH_REMATCH[1]} * 3600)) ;;
      m) secs=$((secs + 10#${BASH_REMATCH[1]} * 60)) ;;
      s) secs=$((secs + 10#${BASH_REMATCH[1]})) ;;
    esac
    rest=${BASH_REMATCH[3]}
  done
  if [ -z "$d" ] || [ -n "$rest" ] || [ "$secs" -le 0 ]; then
    echo "DEADLINE=$d: want an RFC 3339 time (2026-12-07T14:50:00Z) or a positive duration from now in h, m and s (2h40m)" >&2
    return 2
  fi
  now=$(date -u +%s)
  date -u -d "@$((now + secs))" +%FT%TZ 2>/dev/null || date -u -r "$((now + secs))" +%FT%TZ
}
