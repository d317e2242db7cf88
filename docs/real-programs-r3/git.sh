set -e
export HOME=$W/home GIT_CONFIG_NOSYSTEM=1 GIT_PAGER=cat
mkdir -p $HOME; printf '[safe]\n\tdirectory = *\n[pack]\n\tthreads = 2\n[gc]\n\tauto = 0\n' > $HOME/.gitconfig
R=$W/gitx.$1; rm -rf $R
git clone -q --no-local $HGR $R 2>/dev/null
cd $R
git checkout -q 061232c
git log -p --no-color 061232c | sha256sum
git gc -q --aggressive --prune=now
git fsck --full --strict 2>&1 | sort
git count-objects -v | grep -E '^(count|in-pack|packs|garbage)'
git blame --line-porcelain docs/architecture.md | sha256sum
git blame -M -C 061232c -- src/check.c | sha256sum || true
git grep -n -E 'malloc|free' 061232c | sha256sum
git log --all --format='%H %s' -S hg_ | sha256sum
# the chain-length histogram depends on how the two pack threads split the work: it
# differs between glibc runs too
git verify-pack -v .git/objects/pack/*.idx | grep -v -E '^[0-9a-f]{40} ' | sort | sha256sum
cd /; rm -rf $R
