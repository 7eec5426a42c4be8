# Sets SHARDS, the number of shards, for every pod that needs it (each
# shard's --shard K/N, the merge's wait and its list of shards): the number
# after `&shards` in shards.yaml, given as SHARDS_YAML. The itlfleet-shards
# ConfigMap carries this file and shards.yaml; a pod runs it with
# `eval "$SHARD_COUNT_SH"`. Exits 2, naming what is missing, when there is
# no number.
SHARDS=$(printf '%s\n' "$SHARDS_YAML" | sed -n -e '/^[[:space:]]*#/d' \
  -e 's/.*&shards[[:space:]][[:space:]]*\([0-9][0-9]*\).*/\1/p' | head -n 1)
if [ -z "$SHARDS" ]; then
  echo "the itlfleet-shards ConfigMap (shards.yaml) has no number after &shards"
  exit 2
fi
