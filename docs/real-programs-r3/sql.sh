set -e
N=$1; D=$W/sq.$2; rm -rf $D; mkdir -p $D; cd $D
sqlite3 big.db <<SQL
PRAGMA journal_mode=WAL;
PRAGMA cache_size=-100000;
PRAGMA threads=2;
CREATE TABLE t(x INTEGER PRIMARY KEY, k INTEGER, s TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<$N)
INSERT INTO t SELECT x, (x*7919)%1000003, replace(hex(zeroblob(90)),'00',char(97+x%26)) || x FROM c;
CREATE INDEX ik ON t(k);
CREATE INDEX is2 ON t(substr(s,1,3), k DESC);
SELECT count(*), sum(k), count(DISTINCT substr(s,1,1)) FROM t;
SELECT k, x FROM t WHERE k BETWEEN 1000 AND 1010 ORDER BY k;
SELECT substr(s,1,1), count(*), max(k) FROM t GROUP BY 1 ORDER BY 1 LIMIT 5;
PRAGMA integrity_check;
CREATE TABLE w(id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE c(n INTEGER); INSERT INTO c VALUES(0);
SQL
echo size $(( $(stat -c %s big.db) / 1000000 ))MB
# a writer and a reader at once, in WAL mode: every read sees whole transactions
{ echo ".timeout 20000"; for b in $(seq 1 300); do
    echo "BEGIN IMMEDIATE; WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM r WHERE i<100) INSERT INTO w(v) SELECT printf('%d-%d-%s', $b, i, hex(zeroblob(i))) FROM r; UPDATE c SET n=n+100; COMMIT;"
    [ $((b % 50)) = 0 ] && echo "PRAGMA wal_checkpoint(PASSIVE);" >/dev/null
  done; } | sqlite3 big.db > writer.out &
{ echo ".timeout 20000"; for q in $(seq 1 1500); do
    echo "SELECT (SELECT count(*) FROM w) = (SELECT n FROM c) AND (SELECT count(*) FROM w) % 100 = 0;"
  done; } | sqlite3 big.db > reader.out
wait
sort reader.out | uniq -c
cat writer.out
sqlite3 big.db "PRAGMA integrity_check; SELECT count(*), sum(length(v)) FROM w; PRAGMA journal_mode;"
cd /; rm -rf $D
