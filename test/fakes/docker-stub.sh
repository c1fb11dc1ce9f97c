#!/usr/bin/env bash
# Stand-in for the docker CLI in scripts/pull-model.sh tests: logs each call, answers from STUB_* variables.
set -uo pipefail
echo "$*" >>"$STUB_STATE/calls"
[[ "$*" == "compose version" ]] && { echo "Docker Compose version v2.29.0"; exit 0; }
if [[ "${1:-}" == inspect ]]; then echo "${STUB_HEALTH:-healthy}"; exit 0; fi
[[ "${1:-}" == compose ]] || exit 0
shift
[[ "${1:-}" == --profile ]] && shift 2
sub="$1"
shift
case "$sub" in
  ps)
    svc="${*: -1}"
    if [[ "$*" == *"--status running"* ]]; then
      if [[ -f "$STUB_STATE/up-$svc" || " ${STUB_RUNNING:-} " == *" $svc "* ]]; then echo "cid-$svc"; fi
    else
      echo "cid-$svc"
    fi
    ;;
  up)
    [[ -n "${STUB_UP_FAIL:-}" ]] && { echo "could not select device driver \"nvidia\"" >&2; exit 1; }
    touch "$STUB_STATE/up-${*: -1}"
    ;;
  exec)
    [[ "$1" == -T ]] && shift
    shift
    case "$*" in
      "ollama pull "*) exit "${STUB_PULL_RC:-0}" ;;
      "ollama list") printf 'NAME               ID      SIZE\nllama3.2:latest    a80c4f  2.0 GB\n' ;;
      "printenv OLLAMA_BASE_URL") echo "${STUB_GATEWAY_OLLAMA:-}" ;;
    esac
    ;;
esac
exit 0
