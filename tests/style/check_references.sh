#!/usr/bin/env bash
# The docs and comments name only what exists:
#  1. every path that starts with a top-level folder of the repository
#     (include/ cuda/ examples/ benchmarks/ tests/ docs/ tools/ cmake/), or
#     an include path cadenza/..., in docs/*.md, README.md and the comments of
#     the sources, exists;
#  2. every --flag in README.md and docs/*.md is one our programs' --help
#     lists, one our scripts take (their source names it), or one of another
#     program that tests/style/external_flags.txt lists with its program.
# Prints each breach as FILE:LINE: what, and exits 1 when there is any.
#   check_references.sh SOURCE_DIR BIN_DIR
set -uo pipefail
root=$(cd "$1" && pwd)
bin=$2
cd "$root"
status=0
breach() { echo "$1"; status=1; }

# ---- 1. paths -----------------------------------------------------------------
path_re='(^|[^A-Za-z0-9_./-])((include|cuda|examples|benchmarks|tests|docs|tools|cmake)/[A-Za-z0-9_.+/-]*[A-Za-z0-9_/]|cadenza/[a-z0-9_]+/[A-Za-z0-9_]+\.hpp|cadenza/[a-z0-9_]+\.hpp)'
path_exists() {
  local p=$1
  [ -e "$p" ] && return 0
  case "$p" in cadenza/*) [ -e "include/$p" ] || [ -e "cuda/include/$p" ] ;; *) return 1 ;; esac
}
# Documents: every line. Sources: the comment part of each line only.
check_paths() {  # FILE TEXT-LINES (number:text) on stdin
  local file=$1 line text p
  while IFS= read -r line; do
    text=${line#*:}
    while [[ $text =~ $path_re ]]; do
      p=${BASH_REMATCH[2]}
      text=${text#*"${BASH_REMATCH[0]}"}
      p=${p%.}
      path_exists "$p" || breach "$file:${line%%:*}: names $p, which does not exist"
    done
  done
}
for f in README.md docs/*.md; do
  check_paths "$f" < <(grep -n . "$f")
done
while IFS= read -r f; do
  case "$f" in
    *.sh|*.py|*.cmake|*CMakeLists.txt) check_paths "$f" < <(grep -n '#' "$f" | sed -E 's/^([0-9]+):[^#]*#/\1:/') ;;
    *) check_paths "$f" < <(grep -n '//' "$f" | sed -E 's#^([0-9]+):.*//#\1:#') ;;
  esac
done < <(git ls-files 'include/*' 'cuda/*' 'examples/*' 'benchmarks/*' 'tests/*' 'tools/*' 'cmake/*' '.ci/*' CMakeLists.txt |
         grep -E '\.(hpp|cpp|cu|h|sh|py|cmake)$|CMakeLists\.txt$|^\.ci/' | grep -v '^tests/style/check_references.sh$')

# ---- 2. flags -------------------------------------------------------------------
known=$(mktemp)
trap 'rm -f "$known"' EXIT
{
  for program in cadenza-music cadenza-midi-dump cadenza-synthetic cadenza-bench; do
    [ -x "$bin/$program" ] && "$bin/$program" --help 2>&1
  done
  if [ -x "$bin/cadenza-music" ]; then
    for sub in prepare train generate summary report baselines evaluate; do
      "$bin/cadenza-music" "$sub" --help 2>/dev/null
    done
  fi
  # Our scripts: a flag their source handles.
  cat tools/*.sh tools/*.py benchmarks/*.py benchmarks/*/*.py 2>/dev/null
  # Other programs' flags, each listed with its program.
  sed -E 's/^[^:]*://' tests/style/external_flags.txt
} | grep -oE -- '--[a-zA-Z][a-zA-Z0-9_-]*' | sort -u > "$known"
for f in README.md docs/*.md; do
  while IFS=: read -r line flag; do
    grep -qxF -- "$flag" "$known" || breach "$f:$line: $flag is in no program's --help, no script of ours, and not in tests/style/external_flags.txt"
  done < <(grep -noE -- '(^|[^A-Za-z0-9_-])--[a-zA-Z][a-zA-Z0-9_-]*' "$f" | sed -E 's/:[^-]*--/:--/')
done
[ $status -eq 0 ] && echo "check_references: every path and flag named in docs and comments exists"
exit $status
