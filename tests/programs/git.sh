#!/usr/bin/env bash
# git preloaded (and every git subprocess it starts: pack-objects, index-pack, upload-pack,
# repack, ...).  Read-only commands on the project's own repository ($HG_ROOT, which may
# be dirty or have no commit yet: exit statuses are compared too); a clone of it with
# fsck and gc; and a generated repository (fast-import of 300 commits with fixed dates,
# so its hashes are fixed) that is logged, blamed, diffed, cloned, repacked, gc'ed and
# rebased both ways.
. "$(dirname "$0")/lib.sh"
need git awk sha256sum
say "$(git --version)"
assert_preload_works

# git that depends on nothing outside this test
export HOME=$T/home GIT_CONFIG_NOSYSTEM=1 GIT_PAGER=cat PAGER=cat GIT_TERMINAL_PROMPT=0 \
       GIT_ADVICE=0 GIT_OPTIONAL_LOCKS=0
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES \
      GIT_CEILING_DIRECTORIES GIT_CONFIG GIT_CONFIG_GLOBAL GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT \
      GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_TRACE
mkdir -p "$HOME"
cat >"$HOME/.gitconfig" <<'EOF'
[user]
	name = Heapguard Test
	email = test@heapguard.invalid
[safe]
	directory = *
[init]
	defaultBranch = main
[gc]
	auto = 0
[maintenance]
	auto = false
[color]
	ui = never
[core]
	pager = cat
[pack]
	threads = 2
[advice]
	detachedHead = false
EOF

# ---- the project's own repository (read-only; both runs back to back) -------------
G=(git -C "$HG_ROOT" --no-pager)
run_both own-log      --any-status "${G[@]}" log --stat --no-color
# rev-list --all and the clone read a bare copy taken once: another worktree of the same
# repository (parallel work) can move a branch between the glibc and the heapguard run,
# and the two outputs would differ for that alone.  No copy (not a repository, git
# refusing): both read $HG_ROOT, whose statuses are compared as before.
OWN=$T/own-snapshot.git
git clone -q --bare --no-local "$HG_ROOT" "$OWN" 2>/dev/null || OWN=$HG_ROOT
run_both own-revlist  --any-status git -C "$OWN" --no-pager rev-list --all --objects
run_both own-status   --any-status "${G[@]}" status --porcelain --untracked-files=all
run_both own-grep     --any-status "${G[@]}" grep -n malloc
run_both own-grep-all --any-status "${G[@]}" grep -n -I --untracked -e malloc -e 'free(' -- . ':!build*'
run_both own-lsfiles  --any-status "${G[@]}" ls-files -s
run_both own-clone bash -c '
  set -e
  rm -rf "$TMPDIR/own.$HG_VARIANT"
  git clone -q --no-local "$0" "$TMPDIR/own.$HG_VARIANT" 2>/dev/null
  cd "$TMPDIR/own.$HG_VARIANT"
  git fsck --full --strict
  git gc -q --prune=now
  git fsck --full --strict
  git rev-list --all --objects
  git count-objects -v | grep -E "^(count|in-pack|packs|prune-packable|garbage):"
  ' "$OWN"

# ---- a generated repository with fixed hashes ------------------------------------
# 300 commits on main (each edits three of 40 files: inserts, deletes and appends lines;
# every 37th renames a file), a 20-commit side branch forked at commit 100 and merged at
# 200, and annotated tags every 50 commits.  Park-Miller LCG: exact in awk's doubles.
awk 'function rnd(n) { x = (x * 16807) % 2147483647; return x % n }
function data(s) { printf "data %d\n%s\n", length(s), s }
function body(i,   s, l) { s = ""; for (l = 1; l <= cnt[i]; l++) s = s ln[i, l] "\n"; return s }
function edit(i,   l, p, k) {
  p = 1 + rnd(cnt[i]); cnt[i]++                                  # insert at p
  for (l = cnt[i]; l > p; l--) ln[i, l] = ln[i, l - 1]
  ln[i, p] = sprintf("inserted %d in %d: %s", rnd(100000), mark, substr("the quick brown fox jumps over the lazy dog", 1 + rnd(20)))
  if (cnt[i] > 20) { p = 1 + rnd(cnt[i]); for (l = p; l < cnt[i]; l++) ln[i, l] = ln[i, l + 1]; cnt[i]-- }
  for (k = rnd(6); k > 0; k--) ln[i, ++cnt[i]] = sprintf("appended %d by commit %d, %x", k, mark, rnd(1000000))
}
function head(branch, msg, when) {
  printf "commit refs/heads/%s\nmark :%d\n", branch, ++mark
  printf "author Ann Author <ann@example.invalid> %d +0000\n", when
  printf "committer Cid Committer <cid@example.invalid> %d +0100\n", when + 7
  data(msg)
}
BEGIN {
  x = 987654321; t = 1600000000; nf = 40
  for (i = 0; i < nf; i++) {
    path[i] = sprintf("dir%d/sub%d/file%02d.txt", i % 5, i % 3, i); cnt[i] = 0
    for (l = 0; l < 30 + rnd(100); l++) ln[i, ++cnt[i]] = sprintf("line %d of file %d: %d", l, i, rnd(1000000))
  }
  head("main", "initial import", t)
  for (i = 0; i < nf; i++) { printf "M 100644 inline %s\n", path[i]; data(body(i)) }
  last = mark
  for (c = 2; c <= 300; c++) {
    head("main", sprintf("commit %d\n\nchanges three files; seed %d\n", c, x), t + c * 3600)
    printf "from :%d\n", last
    if (c == 200) printf "merge :%d\n", sidehead
    if (c % 37 == 0) { i = rnd(nf); np = sprintf("renamed/r%d_%02d.txt", c, i); printf "R %s %s\n", path[i], np; path[i] = np }
    for (k = 0; k < 3; k++) { i = rnd(nf); edit(i); printf "M 100644 inline %s\n", path[i]; data(body(i)) }
    last = mark; main[c] = mark
    if (c % 50 == 0) {
      printf "tag v%d\nfrom :%d\ntagger Tom Tagger <tom@example.invalid> %d +0000\n", c / 50, mark, t + c * 3600 + 60
      data(sprintf("release %d\n", c / 50))
    }
    if (c == 100) {                                  # the side branch
      sidehead = mark
      for (s = 1; s <= 20; s++) {
        head("side", sprintf("side %d\n", s), t + c * 3600 + s * 60)
        printf "from :%d\n", sidehead
        printf "M 100644 inline side/s%02d.txt\n", s % 7
        data(sprintf("side file %d rev %d\n%s\n", s % 7, s, substr("abcdefghijklmnopqrstuvwxyz", s)))
        sidehead = mark
      }
    }
  }
}' >"$T/stream.fi" || { echo "generating the fast-import stream failed"; exit 1; }
say "fast-import stream: $(wc -c <"$T/stream.fi") bytes"

run_both gen-import --stdin "$T/stream.fi" bash -c '
  set -e
  rm -rf "$0/gen.$HG_VARIANT" && git init -q --bare "$0/gen.$HG_VARIANT"
  cd "$0/gen.$HG_VARIANT"
  git fast-import --quiet
  git for-each-ref --format="%(refname) %(objectname) %(*objectname)"
  git fsck --full --strict
  ' "$T"
GEN=$T/gen.hg
[ -d "$GEN" ] || { fail "the preloaded fast-import made no repository"; finish; }
GG=(git -C "$GEN" --no-pager)
run_both gen-log        "${GG[@]}" log --all --graph --stat -M --format=fuller
run_both gen-log-patch  "${GG[@]}" log -p -M --first-parent -n 120 main
run_both gen-blame      "${GG[@]}" blame -M -C -w main -- dir1/sub1/file01.txt
run_both gen-diff       "${GG[@]}" diff --stat --summary -M v1 v5
run_both gen-revlist    "${GG[@]}" rev-list --all --objects
run_both gen-batch      "${GG[@]}" cat-file --batch-all-objects --batch-check
run_both gen-batch-read --stdin "$T/gen-batch.glibc.out" bash -c 'cut -d" " -f1 | git -C "$0" cat-file --batch | sha256sum' "$GEN"
run_both gen-archive    bash -c 'git -C "$0" archive --format=tar v4 | sha256sum' "$GEN"
run_both gen-clone bash -c '
  set -e
  d=$TMPDIR/clone.$HG_VARIANT
  rm -rf "$d"
  git clone -q --no-local "$0" "$d"
  cd "$d"
  git fsck --full --strict
  git repack -q -a -d -f --window=50 --depth=50
  git gc -q --aggressive --prune=now
  git fsck --full --strict
  git cat-file --batch-all-objects --batch-check
  git status --porcelain
  git checkout -q -b work origin/side
  GIT_COMMITTER_DATE="1700000000 +0000" git rebase -q origin/main
  git log --format="%H %P %s" -n 25
  git diff --stat origin/main HEAD
  git ls-files -s | sha256sum
  ' "$GEN"
finish
