set -e
cd $W; T=$W/st.$1; rm -rf $T; mkdir -p $T
sort --parallel=2 -S 50M -T $T sortin.txt | sha256sum
sort --parallel=2 -S 50M -T $T -k2,2 -k1,1n sortin.txt | sha256sum
sort -u -S 50M -T $T huge.txt | md5sum
sort -u huge.txt | awk '{print length($0)}' | sort -n | uniq -c | head -3
rm -rf $T
