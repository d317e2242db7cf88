T=$W/rl.$1; rm -rf $T; mkdir -p $T
( ulimit -v 400000; head -c 100000000 $W/sortin.txt | sort --parallel=2 -S 50M -T $T | sha256sum; echo "sort ${PIPESTATUS[1]}" )
( ulimit -v 400000; cd $T && git clone -q --no-local /work/main r 2>&1 && cd r && git -c pack.threads=2 gc -q --aggressive 2>&1; echo "gc $?"; git fsck --full 2>&1 | sort; echo "fsck $?" )
( ulimit -v 200000; sort -u $W/huge.txt >/dev/null 2>$T/e; echo "sort-huge $?"; sed 's/^.*: //' $T/e )
rm -rf $T
