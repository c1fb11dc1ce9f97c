#!/usr/bin/env bash
# Pulls an Ollama model into the compose stack's ollama container, starting that container first if needed.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/pull-model.sh MODEL

Starts the `ollama` compose service (profile local-llm) if it is not running, waits until it is
healthy, pulls MODEL into its volume and lists the installed models.

  MODEL                 an Ollama model name, e.g. llama3.2, qwen2.5:0.5b, nomic-embed-text

Environment:
  OLLAMA_SERVICE        ollama (NVIDIA GPU, profile local-llm; the default) or ollama-cpu (profile
                        local-llm-cpu). When unset and ollama-cpu is already running, ollama-cpu is used.
  HEALTH_TIMEOUT        seconds to wait for the service to become healthy (default 120)

The gateway reaches the model as ollama/MODEL once .env has OLLAMA_BASE_URL=http://ollama:11434.
EOF
}

if [[ $# -eq 1 && ( "$1" == "-h" || "$1" == "--help" ) ]]; then
  usage
  exit 0
fi
if [[ $# -ne 1 ]]; then
  usage >&2
  exit 2
fi
model="$1"
if [[ -z "$model" || "$model" =~ [[:space:]] || "$model" == -* ]]; then
  echo "pull-model: '$model' is not a model name" >&2
  exit 2
fi

# Run from the repository root so compose finds docker-compose.yml and .env.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! docker compose version >/dev/null 2>&1; then
  echo "pull-model: needs Docker with the compose plugin (docker compose version >= 2.24)" >&2
  exit 1
fi

running() { [[ -n "$(docker compose --profile "$2" ps --status running -q "$1" 2>/dev/null)" ]]; }

service="${OLLAMA_SERVICE:-}"
if [[ -z "$service" ]]; then
  service=ollama
  running ollama-cpu local-llm-cpu && service=ollama-cpu
fi
case "$service" in
  ollama) profile=local-llm ;;
  ollama-cpu) profile=local-llm-cpu ;;
  *) echo "pull-model: OLLAMA_SERVICE must be ollama or ollama-cpu, got '$service'" >&2; exit 2 ;;
esac
compose=(docker compose --profile "$profile")

if ! running "$service" "$profile"; then
  echo "== starting $service (profile $profile)"
  if ! "${compose[@]}" up -d "$service"; then
    if [[ "$service" == ollama ]]; then
      echo "pull-model: without an NVIDIA GPU and its container toolkit, run OLLAMA_SERVICE=ollama-cpu $0 $model" >&2
    fi
    exit 1
  fi
fi

echo "== waiting for $service to be healthy"
container="$("${compose[@]}" ps -q "$service")"
timeout="${HEALTH_TIMEOUT:-120}"
[[ "$timeout" =~ ^[0-9]+$ ]] || { echo "pull-model: HEALTH_TIMEOUT must be a number of seconds" >&2; exit 2; }
deadline=$((SECONDS + timeout))
while :; do
  status="$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$container")"
  [[ "$status" == healthy ]] && break
  if [[ "$status" == unhealthy || "$status" == exited || "$status" == dead ]]; then
    echo "pull-model: $service is $status; see: docker compose --profile $profile logs $service" >&2
    exit 1
  fi
  if (( SECONDS >= deadline )); then
    echo "pull-model: $service not healthy after ${timeout}s (status: $status)" >&2
    exit 1
  fi
  sleep 2
done

# -T without a terminal (CI, pipes); with one, keep ollama's progress bars.
tty=()
[[ -t 0 && -t 1 ]] || tty=(-T)

echo "== pulling $model"
# ${tty[@]+...}: an empty array is "unbound" under set -u in bash < 4.4 (macOS ships 3.2).
"${compose[@]}" exec ${tty[@]+"${tty[@]}"} "$service" ollama pull "$model"

echo "== installed models"
"${compose[@]}" exec -T "$service" ollama list

if running gateway "$profile"; then
  url="$("${compose[@]}" exec -T gateway printenv OLLAMA_BASE_URL 2>/dev/null || true)"
  if [[ "$url" != "http://ollama:11434" ]]; then
    echo "note: the gateway's OLLAMA_BASE_URL is '${url}'; set OLLAMA_BASE_URL=http://ollama:11434 in .env and" \
      "run 'docker compose up -d gateway' to serve ollama/$model through it."
  fi
fi
