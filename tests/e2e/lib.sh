# The shared shell test library of tests/e2e/*.sh (source it; it keeps the counts):
#   expect NAME STATUS PATTERN -- COMMAND...   runs COMMAND; passes when it exits STATUS and its
#                                              stdout+stderr matches the extended regex PATTERN
#                                              (line by line, or with its lines joined by spaces
#                                              for a pattern that spans lines); the output is
#                                              kept in $OUT_TEXT
#   check NAME COMMAND...                      passes when COMMAND succeeds
#   finish                                     prints the counts; its status is the verdict
# shellcheck shell=bash
passed=0
failed=0
OUT_TEXT=""

expect() {
  local name="$1" want="$2" pattern="$3"
  shift 4
  local status
  OUT_TEXT="$("$@" 2>&1)"
  status=$?
  if [[ "$status" == "$want" ]] &&
     { grep -Eq -- "$pattern" <<<"$OUT_TEXT" || tr '\n' ' ' <<<"$OUT_TEXT" | grep -Eq -- "$pattern"; }; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name: exit $status (want $want), output must match /$pattern/:"
    sed 's/^/     | /' <<<"$OUT_TEXT" | tail -25
  fi
}

check() {
  local name="$1"
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
  fi
}

finish() {
  echo "$passed passed, $failed failed (${SECONDS} s)"
  [[ $failed -eq 0 ]]
}
