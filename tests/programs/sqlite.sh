#!/usr/bin/env bash
# sqlite3 CLI preloaded: a 200k-row database generated inside sqlite (recursive CTE with
# an LCG, text and blob payloads), indexes, group by / order by / joins / window
# functions / json aggregation, updates and deletes, VACUUM, integrity check, a .dump
# reloaded into a second database; then the same workload in memory.  Every query
# prints aggregates or sha3 digests, so the output is the same with and without
# heapguard.
. "$(dirname "$0")/lib.sh"
need sqlite3
say "sqlite3 $(sqlite3 --version | cut -d' ' -f1)"
assert_preload_works

ROWS=${SQLITE_ROWS:-200000}

# gen_sql MODE ROWS — the workload; MODE=file adds WAL, which needs a file.
gen_sql() {
  local ROWS=$2
  cat <<EOF
.bail on
.headers off
.mode list
.separator |
PRAGMA cache_size=-16000;
$([ "$1" = file ] && echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;")
CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, region TEXT, note TEXT);
CREATE TABLE orders(id INTEGER PRIMARY KEY, cust INTEGER NOT NULL, amount INTEGER,
                    day INTEGER, tag TEXT, payload BLOB);
BEGIN;
WITH RECURSIVE g(i, x) AS (
  SELECT 1, 7 UNION ALL SELECT i + 1, (x * 1103515245 + 12345) % 2147483648 FROM g WHERE i < 5000)
INSERT INTO customers
  SELECT i, printf('%s-%05d', substr('alphabravocharliedeltaechofoxtrotgolfhotelindiajuliet', x % 40 + 1, 5 + x % 7), i),
         char(65 + x % 12) || char(97 + (x / 12) % 3),
         printf('%.*c', x % 300, char(97 + x % 26)) || hex(x)
  FROM g;
WITH RECURSIVE g(i, x) AS (
  SELECT 1, 42 UNION ALL SELECT i + 1, (x * 1103515245 + 12345) % 2147483648 FROM g WHERE i < $ROWS)
INSERT INTO orders
  SELECT i, x % 5000 + 1, (x / 7) % 100000, (x / 13) % 365, printf('t%03d', x % 997),
         CASE WHEN i % 10 = 0 THEN CAST(printf('%.*c', 100 + x % 3000, char(65 + x % 26)) || i AS BLOB)
              WHEN i % 10 = 1 THEN zeroblob(x % 500)
              ELSE NULL END
  FROM g;
COMMIT;
CREATE INDEX orders_cust ON orders(cust, amount);
CREATE INDEX orders_tag ON orders(tag, day);
CREATE INDEX customers_region ON customers(region, name);
SELECT 'count', count(*), sum(amount), total(length(payload)) FROM orders;
SELECT 'table', hex(sha3_query('SELECT * FROM orders ORDER BY id')), hex(sha3_query('SELECT * FROM customers ORDER BY id'));
SELECT 'region', region, count(*), sum(amount), printf('%.3f', avg(amount)), min(day), max(day)
  FROM orders JOIN customers ON customers.id = orders.cust GROUP BY region ORDER BY region;
SELECT 'top', cust, name, total FROM (
  SELECT cust, sum(amount) AS total FROM orders GROUP BY cust) JOIN customers ON customers.id = cust
  ORDER BY total DESC, cust LIMIT 10;
SELECT 'order', hex(sha3(group_concat(id, ','))) FROM (SELECT id FROM orders ORDER BY tag, amount DESC, id);
SELECT 'order2', hex(sha3(group_concat(name || ':' || amount, ';'))) FROM
  (SELECT name, amount FROM orders JOIN customers ON customers.id = cust ORDER BY name, amount, orders.id);
SELECT 'window', hex(sha3(group_concat(r, ','))) FROM
  (SELECT rank() OVER (PARTITION BY cust ORDER BY amount DESC, id) AS r FROM orders ORDER BY id);
SELECT 'json', length(j), hex(sha3(j)) FROM
  (SELECT json_group_object(tag, n) AS j FROM (SELECT tag, json_group_array(day) AS n FROM orders GROUP BY tag));
SELECT 'distinct', count(DISTINCT tag), count(DISTINCT cust || '/' || day) FROM orders;
SELECT 'like', count(*) FROM customers WHERE note LIKE '%zz%' OR name GLOB '*o-0*';
SELECT 'sub', count(*) FROM orders o JOIN (SELECT cust, avg(amount) AS a FROM orders GROUP BY cust) s
  ON s.cust = o.cust WHERE o.amount > s.a;
UPDATE orders SET tag = upper(tag) || '-' || (amount % 13), payload = CAST(tag AS BLOB) WHERE id % 3 = 0;
DELETE FROM orders WHERE id % 4 = 1;
UPDATE customers SET note = replace(note, 'a', 'AAAA') WHERE id % 2 = 0;
SELECT 'after', count(*), sum(amount), total(length(payload)), hex(sha3_query('SELECT * FROM orders ORDER BY id')) FROM orders;
$([ "$1" = file ] && echo "PRAGMA wal_checkpoint(TRUNCATE);")
VACUUM;
PRAGMA integrity_check;
SELECT 'vacuumed', hex(sha3_query('SELECT * FROM orders ORDER BY id; SELECT * FROM customers ORDER BY id'));
CREATE TEMP TABLE big AS SELECT group_concat(note, '') AS s FROM customers;
SELECT 'bigstr', length(s), hex(sha3(s)), hex(sha3(replace(s, 'A', 'bb'))), length(upper(s) || lower(s)) FROM big;
EOF
}

gen_sql file "$ROWS" >"$T/workload-file.sql"
gen_sql memory $((ROWS / 2)) >"$T/workload-memory.sql"

run_both sqlite-file --stdin "$T/workload-file.sql" sqlite3 "$T/db.@V@.sqlite"
# the database file the preloaded run left, reloaded through .dump, must hold what the
# glibc run computed ('vacuumed' digest)
run_both sqlite-dump bash -c '
  set -e
  rm -f "$TMPDIR/reload.$HG_VARIANT.sqlite"
  sqlite3 "$0" .dump | sqlite3 "$TMPDIR/reload.$HG_VARIANT.sqlite"
  sqlite3 "$TMPDIR/reload.$HG_VARIANT.sqlite" "PRAGMA integrity_check;
    SELECT '"'vacuumed'"', hex(sha3_query('"'SELECT * FROM orders ORDER BY id; SELECT * FROM customers ORDER BY id'"'));"
  ' "$T/db.hg.sqlite"
want=$(grep '^vacuumed|' "$T/sqlite-file.glibc.out")
got=$(grep '^vacuumed|' "$T/sqlite-dump.hg.out")
if [ -z "$want" ] || [ "$want" != "$got" ]; then
  fail "sqlite-dump: the database written under heapguard differs from the glibc run's: '$got' vs '$want'"
fi
run_both sqlite-memory --stdin "$T/workload-memory.sql" sqlite3 :memory:
# a small page cache and a big sort: sqlite spills to temporary files
run_both sqlite-spill sqlite3 :memory: "PRAGMA cache_size=50; PRAGMA temp_store=FILE;
  CREATE TABLE t(a, b);
  WITH RECURSIVE g(i, x) AS (SELECT 1, 3 UNION ALL SELECT i + 1, (x * 1103515245 + 12345) % 2147483648 FROM g WHERE i < 100000)
  INSERT INTO t SELECT x, printf('%.*c', x % 200, 'q') FROM g;
  SELECT count(*), hex(sha3(group_concat(a, ','))) FROM (SELECT a FROM t ORDER BY b, a);
  CREATE INDEX t_b ON t(b, a);
  SELECT count(DISTINCT b), max(length(b)) FROM t;"
finish
