set -e
cd $W
gcc -O2 -c big.c -o big.$1.o
sha256sum < big.$1.o
gcc -O2 -g -c $HGR/src/check.c -I$HGR/src -I$HGR/include -o chk.$1.o
sha256sum < chk.$1.o
rm -f big.$1.o chk.$1.o
